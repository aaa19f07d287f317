#!/usr/bin/env bash
# Makes a release tag whose action.yml pulls the published image:
#   scripts/release-bump.sh v1.2.3
# 1. commits action.yml with runs.image: docker://ghcr.io/stepstone-dev/stepstone:v1.2.3
# 2. tags that commit v1.2.3 (annotated)
# 3. commits action.yml back to runs.image: Dockerfile, so main keeps building
#    its own code
# Nothing is pushed: check, then `git push origin main v1.2.3`. The tag push
# runs .github/workflows/release.yml, which publishes the image the tag's
# action.yml names (and refuses a tag whose action.yml names another one).
# Users of `uses: stepstone-dev/stepstone@v1.2.3` then pull that image
# instead of building the Dockerfile on every run. A moving major tag (v1)
# is moved by hand to the release commit: git tag -f v1 v1.2.3^{commit}.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
tag=${1:?usage: scripts/release-bump.sh vX.Y.Z}
[[ $tag =~ ^v[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$ ]] || { echo "not a version tag: $tag" >&2; exit 2; }
git diff --quiet && git diff --cached --quiet || { echo "commit or stash your changes first" >&2; exit 2; }
grep -qx '  image: Dockerfile' action.yml || { echo "action.yml does not say 'image: Dockerfile'" >&2; exit 2; }

sed -i "s|^  image: Dockerfile\$|  image: docker://ghcr.io/stepstone-dev/stepstone:$tag|" action.yml
git commit -q -m "release $tag: action.yml pulls ghcr.io/stepstone-dev/stepstone:$tag" action.yml
git tag -a "$tag" -m "stepstone $tag"
sed -i "s|^  image: docker://ghcr.io/stepstone-dev/stepstone:$tag\$|  image: Dockerfile|" action.yml
git commit -q -m "after $tag: action.yml builds the Dockerfile again" action.yml
echo "tagged $tag; push with: git push origin HEAD $tag"
