#!/usr/bin/env bash
# Installs the Python-side tools into a venv outside the repository (default
# ~/.cache/booxi-notify/venv, or $BOOXI_CI_CACHE/venv), by purpose:
#
#   scripts/tools.sh test     moto (the AWS emulator the tests run against), jsonschema
#                             (the events-out detail checked against its schema) and Jinja2
#                             (scripts/compile-templates.py): about 315 MB;
#                             and Chromium from the OS packages (apt-get) when it is not
#                             on PATH, for the browser test of the emails
#   scripts/tools.sh deploy   AWS SAM CLI, cfn-lint, cargo-lambda (sam build, make validate,
#                             make watch): about 530 MB more
#   scripts/tools.sh all      both (what CI installs)
#
# With no argument it installs the test tools. Re-running is cheap: it only installs what
# is missing.
set -euo pipefail
CACHE="${BOOXI_CI_CACHE:-$HOME/.cache/booxi-notify}"
VENV="$CACHE/venv"

purposes=("$@")
[ ${#purposes[@]} -gt 0 ] || purposes=(test)
need=()
chromium=no
want() { # want <executable in the venv> <pip requirement>
  [ -x "$VENV/bin/$1" ] && return
  for r in "${need[@]}"; do [ "$r" != "$2" ] || return 0; done
  need+=("$2")
}
want_module() { # want_module <Python module the venv imports> <pip requirement>
  [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c "import $1" 2>/dev/null && return
  for r in "${need[@]}"; do [ "$r" != "$2" ] || return 0; done
  need+=("$2")
}
for purpose in "${purposes[@]}"; do
  case "$purpose" in
    test)
      want moto_server "moto[server]"
      # The tests validate every published event's detail against docs/events-out.schema.json.
      want_module jsonschema jsonschema
      want_module jinja2 "jinja2>=3.1,<4"
      chromium=yes
      ;;
    deploy)
      want sam aws-sam-cli
      want cfn-lint cfn-lint
      want cargo-lambda cargo-lambda
      ;;
    all)
      want moto_server "moto[server]"
      want_module jsonschema jsonschema
      want_module jinja2 "jinja2>=3.1,<4"
      chromium=yes
      want sam aws-sam-cli
      want cfn-lint cfn-lint
      want cargo-lambda cargo-lambda
      ;;
    *)
      echo "scripts/tools.sh: unknown purpose \`$purpose\`: use test, deploy or all" >&2
      exit 2
      ;;
  esac
done

mkdir -p "$CACHE"
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --upgrade pip
fi
if [ ${#need[@]} -gt 0 ]; then
  echo "installing ${need[*]} into $VENV" >&2
  "$VENV/bin/pip" install --quiet "${need[@]}"
fi
# Headless Chromium, for the browser test of the emails (shared/tests/browser.rs).
if [ "$chromium" = yes ] && [ -z "${BOOXI_CHROMIUM:-}" ] \
  && ! command -v chromium >/dev/null && ! command -v chromium-browser >/dev/null; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null
fi
echo "tools ready in $VENV (${purposes[*]})"
