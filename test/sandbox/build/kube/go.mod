// Wrapper module that builds the Kubernetes control-plane binaries for the
// sandbox. The k8s.io/* staging replaces are derived at build time from the
// release's own go.mod by ../build-kube.sh; see that script.
module kafkaguard.io/sandbox/kube

go 1.24

require k8s.io/kubernetes v1.34.4
