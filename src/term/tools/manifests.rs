//! Well-known manifests served offline: `kubectl apply -f <URL>` (and `curl`) for the CNI
//! plugins the course installs. [`for_url`] maps their published URLs to embedded YAML, which
//! carries the same objects (names, namespaces, kinds) the real files create, trimmed of CRDs
//! and long configuration the simulation does not read.
//!
//! ```
//! use kubesim::term::tools::manifests;
//! assert!(manifests::for_url("https://github.com/flannel-io/flannel/releases/latest/download/kube-flannel.yml").is_some());
//! assert!(manifests::for_url("https://example.com/x.yaml").is_none());
//! ```

/// kube-flannel.yml (v0.27): namespace, RBAC, config and the DaemonSet.
pub const FLANNEL: &str = r#"apiVersion: v1
kind: Namespace
metadata:
  labels:
    k8s-app: flannel
    pod-security.kubernetes.io/enforce: privileged
  name: kube-flannel
---
apiVersion: v1
kind: ServiceAccount
metadata:
  labels:
    k8s-app: flannel
  name: flannel
  namespace: kube-flannel
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  labels:
    k8s-app: flannel
  name: flannel
rules:
- apiGroups:
  - ""
  resources:
  - pods
  verbs:
  - get
- apiGroups:
  - ""
  resources:
  - nodes
  verbs:
  - get
  - list
  - watch
- apiGroups:
  - ""
  resources:
  - nodes/status
  verbs:
  - patch
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  labels:
    k8s-app: flannel
  name: flannel
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: flannel
subjects:
- kind: ServiceAccount
  name: flannel
  namespace: kube-flannel
---
apiVersion: v1
data:
  cni-conf.json: |
    {
      "name": "cbr0",
      "cniVersion": "0.3.1",
      "plugins": [
        {
          "type": "flannel",
          "delegate": {
            "hairpinMode": true,
            "isDefaultGateway": true
          }
        },
        {
          "type": "portmap",
          "capabilities": {
            "portMappings": true
          }
        }
      ]
    }
  net-conf.json: |
    {
      "Network": "10.244.0.0/16",
      "EnableNFTables": false,
      "Backend": {
        "Type": "vxlan"
      }
    }
kind: ConfigMap
metadata:
  labels:
    app: flannel
    k8s-app: flannel
    tier: node
  name: kube-flannel-cfg
  namespace: kube-flannel
---
apiVersion: apps/v1
kind: DaemonSet
metadata:
  labels:
    app: flannel
    k8s-app: flannel
    tier: node
  name: kube-flannel-ds
  namespace: kube-flannel
spec:
  selector:
    matchLabels:
      app: flannel
      k8s-app: flannel
  template:
    metadata:
      labels:
        app: flannel
        k8s-app: flannel
        tier: node
    spec:
      containers:
      - args:
        - --ip-masq
        - --kube-subnet-mgr
        command:
        - /opt/bin/flanneld
        image: ghcr.io/flannel-io/flannel:v0.27.4
        name: kube-flannel
        resources:
          requests:
            cpu: 100m
            memory: 50Mi
      hostNetwork: true
      initContainers:
      - args:
        - -f
        - /flannel
        - /opt/cni/bin/flannel
        command:
        - cp
        image: ghcr.io/flannel-io/flannel-cni-plugin:v1.8.0-flannel1
        name: install-cni-plugin
      - args:
        - -f
        - /etc/kube-flannel/cni-conf.json
        - /etc/cni/net.d/10-flannel.conflist
        command:
        - cp
        image: ghcr.io/flannel-io/flannel:v0.27.4
        name: install-cni
      priorityClassName: system-node-critical
      serviceAccountName: flannel
      tolerations:
      - effect: NoSchedule
        operator: Exists
"#;

/// calico.yaml (v3.30), without its CRDs: RBAC, config, the calico-node DaemonSet and the
/// calico-kube-controllers Deployment.
pub const CALICO: &str = r#"apiVersion: v1
kind: ServiceAccount
metadata:
  name: calico-kube-controllers
  namespace: kube-system
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: calico-node
  namespace: kube-system
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: calico-cni-plugin
  namespace: kube-system
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: calico-config
  namespace: kube-system
data:
  calico_backend: bird
  cni_network_config: |-
    {
      "name": "k8s-pod-network",
      "cniVersion": "0.3.1",
      "plugins": [
        {
          "type": "calico",
          "datastore_type": "kubernetes",
          "ipam": {
              "type": "calico-ipam"
          }
        },
        {
          "type": "portmap",
          "snat": true,
          "capabilities": {"portMappings": true}
        }
      ]
    }
  typha_service_name: none
  veth_mtu: "0"
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: calico-kube-controllers
rules:
- apiGroups:
  - ""
  resources:
  - nodes
  verbs:
  - watch
  - list
  - get
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: calico-node
rules:
- apiGroups:
  - ""
  resources:
  - pods
  - nodes
  - namespaces
  verbs:
  - get
  - list
  - watch
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: calico-kube-controllers
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: calico-kube-controllers
subjects:
- kind: ServiceAccount
  name: calico-kube-controllers
  namespace: kube-system
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: calico-node
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: calico-node
subjects:
- kind: ServiceAccount
  name: calico-node
  namespace: kube-system
---
apiVersion: apps/v1
kind: DaemonSet
metadata:
  labels:
    k8s-app: calico-node
  name: calico-node
  namespace: kube-system
spec:
  selector:
    matchLabels:
      k8s-app: calico-node
  template:
    metadata:
      labels:
        k8s-app: calico-node
    spec:
      containers:
      - env:
        - name: DATASTORE_TYPE
          value: kubernetes
        - name: CALICO_NETWORKING_BACKEND
          value: bird
        - name: CALICO_IPV4POOL_CIDR
          value: 192.168.0.0/16
        image: docker.io/calico/node:v3.30.3
        name: calico-node
        resources:
          requests:
            cpu: 250m
      hostNetwork: true
      initContainers:
      - command:
        - /opt/cni/bin/install
        image: docker.io/calico/cni:v3.30.3
        name: install-cni
      priorityClassName: system-node-critical
      serviceAccountName: calico-node
      tolerations:
      - effect: NoSchedule
        operator: Exists
      - key: CriticalAddonsOnly
        operator: Exists
      - effect: NoExecute
        operator: Exists
---
apiVersion: apps/v1
kind: Deployment
metadata:
  labels:
    k8s-app: calico-kube-controllers
  name: calico-kube-controllers
  namespace: kube-system
spec:
  replicas: 1
  selector:
    matchLabels:
      k8s-app: calico-kube-controllers
  strategy:
    type: Recreate
  template:
    metadata:
      labels:
        k8s-app: calico-kube-controllers
      name: calico-kube-controllers
      namespace: kube-system
    spec:
      containers:
      - image: docker.io/calico/kube-controllers:v3.30.3
        name: calico-kube-controllers
      nodeSelector:
        kubernetes.io/os: linux
      priorityClassName: system-cluster-critical
      serviceAccountName: calico-kube-controllers
      tolerations:
      - key: CriticalAddonsOnly
        operator: Exists
      - effect: NoSchedule
        key: node-role.kubernetes.io/master
      - effect: NoSchedule
        key: node-role.kubernetes.io/control-plane
"#;

/// The embedded manifest published at `url`, if it is one we serve offline.
pub fn for_url(url: &str) -> Option<&'static str> {
    let u = url.trim().trim_end_matches('/');
    let flannel = [
        "https://github.com/flannel-io/flannel/releases/latest/download/kube-flannel.yml",
        "https://raw.githubusercontent.com/flannel-io/flannel/master/Documentation/kube-flannel.yml",
        "https://raw.githubusercontent.com/coreos/flannel/master/Documentation/kube-flannel.yml",
    ];
    if flannel.contains(&u)
        || (u.starts_with("https://github.com/flannel-io/flannel/releases/download/")
            && u.ends_with("/kube-flannel.yml"))
    {
        return Some(FLANNEL);
    }
    let calico = u.starts_with("https://raw.githubusercontent.com/projectcalico/calico/")
        && u.ends_with("/manifests/calico.yaml");
    if calico || u == "https://docs.projectcalico.org/manifests/calico.yaml" {
        return Some(CALICO);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_manifests_parse_and_match_urls() {
        for (url, kinds) in [
            (
                "https://github.com/flannel-io/flannel/releases/latest/download/kube-flannel.yml",
                6,
            ),
            (
                "https://raw.githubusercontent.com/projectcalico/calico/v3.30.3/manifests/calico.yaml",
                10,
            ),
        ] {
            let text = for_url(url).unwrap();
            let docs = crate::sim::value::yaml::parse_documents(text).unwrap();
            assert_eq!(docs.len(), kinds, "{url}");
            for d in &docs {
                let kind = d.get("kind").and_then(|k| k.as_str()).unwrap();
                assert!(crate::sim::api::resource_for_kind(kind).is_some(), "{kind}");
            }
        }
    }
}
