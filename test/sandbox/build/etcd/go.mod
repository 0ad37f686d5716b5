// Wrapper module that builds an etcd server binary for the sandbox.
module kafkaguard.io/sandbox/etcd

go 1.24

require go.etcd.io/etcd/server/v3 v3.6.16
