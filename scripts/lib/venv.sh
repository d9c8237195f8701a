# Python tools from PyPI for the checks (source this): venv_ensure VENV IMPORTS PACKAGE... creates the virtualenv VENV
# and installs the packages when `import IMPORTS` fails in it.
venv_ensure() {
    local venv=$1 imports=$2
    shift 2
    if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c "import $imports" 2>/dev/null; then return 0; fi
    echo "==> Installing $* into $venv" >&2
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q --disable-pip-version-check "$@"
}
