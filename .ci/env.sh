# shellcheck shell=bash
# Sourced (not executed) by every .ci script: locates the repository, loads the
# pinned versions and puts the repo-local tools on PATH.

KUBESIM_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export KUBESIM_ROOT

# shellcheck source=.ci/tools.env
source "$KUBESIM_ROOT/.ci/tools.env"
export TRUNK_VERSION BINARYEN_NPM_VERSION PLAYWRIGHT_CORE_VERSION SIZE_BUDGET_BROTLI_KB SIZE_TARGET_BROTLI_KB

# npm-installed tools (wasm-opt from binaryen, playwright-core) live inside the
# repo, under target/ which is gitignored and survives between runs on the
# same machine (but not `cargo clean`, after which setup simply reinstalls).
export KUBESIM_TOOLS_DIR="$KUBESIM_ROOT/target/tools"

# cargo-installed tools (trunk, wasm-bindgen) go to ~/.cargo/bin. The npm bin
# dir comes first so trunk finds the npm wasm-opt, never Debian's old one.
case ":$PATH:" in
  *":$KUBESIM_TOOLS_DIR/node_modules/.bin:"*) ;;
  *) PATH="$KUBESIM_TOOLS_DIR/node_modules/.bin:${CARGO_HOME:-$HOME/.cargo}/bin:$PATH" ;;
esac
export PATH

# trunk asks the internet whether a newer trunk exists; only package
# registries are reachable here, so skip that check.
export TRUNK_SKIP_VERSION_CHECK=true

# Browsers come from Debian's packages (no browser downloads are possible).
export KUBESIM_CHROMIUM="${KUBESIM_CHROMIUM:-/usr/bin/chromium}"
export KUBESIM_CHROMEDRIVER="${KUBESIM_CHROMEDRIVER:-/usr/bin/chromedriver}"

# Prints the wasm-bindgen version pinned in Cargo.lock (empty if none).
kubesim_wasm_bindgen_version() {
  awk '
    $0 == "name = \"wasm-bindgen\"" { found = 1; next }
    found && /^version = / { gsub(/"/, "", $3); print $3; exit }
    /^\[\[package\]\]/ { found = 0 }
  ' "$KUBESIM_ROOT/Cargo.lock"
}
