#!/usr/bin/env bash
# Runs the whole test suite against the lowest or the highest pair of the peer dependencies
# @langchain/core and @langchain/langgraph, each in its own copy of the repository, so the
# peer range in package.json stays one the tests pass on.
#
# Peer range (package.json): @langchain/core >=1.3.4 <=1.5.0, @langchain/langgraph >=1.7.0 <=1.7.5
# and @langchain/langgraph-checkpoint >=1.2.2 <=1.2.3,
# closed at both ends by the two pairs below (test/e2e/package.test.ts holds them together).
#   low:  core 1.3.4 + langgraph 1.7.0. langgraph 1.7.0 is the first whose messages handler says
#         whether the caller streams subgraphs (the token relay needs it to avoid sending a token
#         twice), and it needs core ^1.3.4.
#   The bundled SQLite saver subclasses the app's @langchain/langgraph-checkpoint (a peer too):
#   1.2.2 with the low pair, 1.2.3 with the high one (langgraph 1.7.5 needs ^1.2.3).
#   high: core 1.5.0 + langgraph 1.7.5, the newest on the registry when this was written. To admit
#         a newer release, try it with PEERS_HIGH_CORE / PEERS_HIGH_LANGGRAPH, then move the pair
#         here and the range's upper end together: no release is admitted untested.
# The devDependencies stay pinned (1.4.0 / 1.7.3): that is what `npm test` uses day to day.
#
# Usage: scripts/test_peers.sh low|high [directory]
#   directory: where the copy goes (default /tmp/ai-gateway-agents-peers/<low|high>). It is a git
#   worktree of the current commit (commit first: uncommitted changes are not in it) with its own
#   node_modules, installed with `npm ci`; reused when it is already there.
set -euo pipefail

which="${1:-}"
case "$which" in
  low) core=1.3.4 langgraph=1.7.0 checkpoint=1.2.2 ;;
  high) core="${PEERS_HIGH_CORE:-1.5.0}" langgraph="${PEERS_HIGH_LANGGRAPH:-1.7.5}" checkpoint="${PEERS_HIGH_CHECKPOINT:-1.2.3}" ;;
  *)
    echo "usage: $0 low|high [directory]" >&2
    exit 2
    ;;
esac

repo="$(git -C "$(dirname "$0")" rev-parse --show-toplevel)"
dir="${2:-/tmp/ai-gateway-agents-peers/$which}"
commit="$(git -C "$repo" rev-parse HEAD)"

if [ -e "$dir/.git" ]; then
  git -C "$dir" checkout --quiet --detach "$commit"
else
  mkdir -p "$(dirname "$dir")"
  git -C "$repo" worktree add --detach "$dir" "$commit"
fi
cd "$dir"

# A copy of its own: the peers are swapped in its node_modules only, never in the repository's.
if [ -L node_modules ]; then
  echo "$dir/node_modules is a symlink (shared with another checkout); remove it first so the swap stays in this copy." >&2
  exit 2
fi
npm ci --ignore-scripts=false
npm install --no-save "@langchain/core@$core" "@langchain/langgraph@$langgraph" "@langchain/langgraph-checkpoint@$checkpoint"

# Exactly one copy of each, at the version asked for: a second copy would mean some package
# still runs on the pinned one, and the run would not test the pair.
for pkg in "@langchain/core@$core" "@langchain/langgraph@$langgraph" "@langchain/langgraph-checkpoint@$checkpoint"; do
  name="${pkg%@*}"
  # npm ls exits non-zero here by design: the swapped versions are not the devDependencies' pins.
  versions="$( (npm ls --all --parseable --long "$name" 2>/dev/null || true) | sed -n "s|.*:$name@\([^:]*\).*|\1|p" | sort -u)"
  if [ "$versions" != "${pkg##*@}" ]; then
    echo "expected only $pkg in $dir/node_modules, found: $(echo "$versions" | tr '\n' ' ')" >&2
    exit 1
  fi
done

echo "testing commit $commit with @langchain/core $core, @langchain/langgraph $langgraph and @langchain/langgraph-checkpoint $checkpoint in $dir"
npm test
