//! kubeconfig files. (Filled in below.)
