//! kubectl's command table and a cobra/pflag-compatible argument parser.
//!
//! [`COMMANDS`] is the one table of verbs (and sub-verbs such as `create deployment`), their
//! flags, usage and examples: `--help`, completion, unknown-verb suggestions and per-lesson
//! disabled commands all read it. [`parse`] splits arguments the way pflag does (`-n x`, `-nx`,
//! `--namespace=x`, `-oyaml`, `-o=yaml`, combined bool shorthands, `--`) and reports errors
//! with cobra's wording.
//!
//! ```
//! use kubesim::term::kubectl::cli::{find, parse};
//! let get = find(&["get"]).unwrap();
//! let args: Vec<String> = ["pods", "-nkube-system", "-oyaml"].map(String::from).to_vec();
//! let p = parse(get, &args).unwrap();
//! assert_eq!(p.value("namespace"), Some("kube-system"));
//! assert_eq!(p.value("output"), Some("yaml"));
//! assert_eq!(p.args, ["pods"]);
//! ```

use crate::sort::SortSmall;
use std::collections::BTreeMap;

/// One flag, as pflag defines it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Flag {
    pub long: &'static str,
    /// `'\0'` when the flag has no shorthand.
    pub short: char,
    pub takes_value: bool,
    /// Value used when the flag is given without `=value` (pflag's NoOptDefVal), e.g.
    /// `--dry-run` alone means `--dry-run=unchanged`. Empty: the value is required.
    pub no_opt_default: &'static str,
    /// The default shown by `--help` (`false`, `[]`, `-1`, `''`).
    pub default: &'static str,
    pub help: &'static str,
}

const fn b(long: &'static str, short: char, help: &'static str) -> Flag {
    Flag {
        long,
        short,
        takes_value: false,
        no_opt_default: "",
        default: "false",
        help,
    }
}
const fn v(long: &'static str, short: char, default: &'static str, help: &'static str) -> Flag {
    Flag {
        long,
        short,
        takes_value: true,
        no_opt_default: "",
        default,
        help,
    }
}

/// A kubectl command (`get`) or sub-command (`create deployment`, `rollout status`).
#[derive(Debug, Clone, Copy)]
pub struct Command {
    /// The words naming it: `["create", "deployment"]`.
    pub path: &'static [&'static str],
    pub aliases: &'static [&'static str],
    pub short: &'static str,
    pub usage: &'static str,
    pub examples: &'static str,
    pub flags: &'static [Flag],
    /// The heading of `kubectl --help` it is listed under (empty for sub-commands).
    pub group: &'static str,
}

impl Command {
    pub fn name(&self) -> &'static str {
        self.path.last().copied().unwrap_or("")
    }
    /// `kubectl create deployment`
    pub fn full_name(&self) -> String {
        format!("kubectl {}", self.path.join(" "))
    }
    /// Its sub-commands (`rollout` → status, history, ...).
    pub fn subcommands(&self) -> impl Iterator<Item = &'static Command> + '_ {
        COMMANDS
            .iter()
            .filter(move |c| c.path.len() == self.path.len() + 1 && c.path.starts_with(self.path))
    }
    pub fn flag(&self, long: &str) -> Option<&'static Flag> {
        self.flags
            .iter()
            .chain(GLOBAL_FLAGS)
            .find(|f| f.long == long)
    }
    fn flag_short(&self, short: char) -> Option<&'static Flag> {
        self.flags
            .iter()
            .chain(GLOBAL_FLAGS)
            .find(|f| f.short == short && short != '\0')
    }
}

/// Flags every command accepts (kubectl's "global command-line options").
pub static GLOBAL_FLAGS: &[Flag] = &[
    v(
        "namespace",
        'n',
        "",
        "If present, the namespace scope for this CLI request",
    ),
    v("context", '\0', "", "The name of the kubeconfig context to use"),
    v("cluster", '\0', "", "The name of the kubeconfig cluster to use"),
    v("user", '\0', "", "The name of the kubeconfig user to use"),
    v(
        "kubeconfig",
        '\0',
        "",
        "Path to the kubeconfig file to use for CLI requests.",
    ),
    v("request-timeout", '\0', "0", "The length of time to wait before giving up on a single server request. Non-zero values should contain a corresponding time unit (e.g. 1s, 2m, 3h). A value of zero means don't timeout requests."),
    v("server", 's', "", "The address and port of the Kubernetes API server"),
    v("token", '\0', "", "Bearer token for authentication to the API server"),
    b("help", 'h', "help for this command"),
    v("v", 'v', "0", "number for the log level verbosity"),
];

const OUTPUT: Flag = v("output", 'o', "", "Output format. One of: (json, yaml, name, go-template, go-template-file, template, templatefile, jsonpath, jsonpath-as-json, jsonpath-file, custom-columns, custom-columns-file, wide). See custom columns [https://kubernetes.io/docs/reference/kubectl/#custom-columns], golang template [http://golang.org/pkg/text/template/#pkg-overview] and jsonpath template [https://kubernetes.io/docs/reference/kubectl/jsonpath/].");
const SELECTOR: Flag = v("selector", 'l', "", "Selector (label query) to filter on, supports '=', '==', '!=', 'in', 'notin'.(e.g. -l key1=value1,key2=value2,key3 in (value3)). Matching objects must satisfy all of the specified label constraints.");
const FIELD_SELECTOR: Flag = v("field-selector", '\0', "", "Selector (field query) to filter on, supports '=', '==', and '!='.(e.g. --field-selector key1=value1,key2=value2). The server only supports a limited number of field queries per type.");
const ALL_NS: Flag = b("all-namespaces", 'A', "If present, list the requested object(s) across all namespaces. Namespace in current context is ignored even if specified with --namespace.");
const FILENAME: Flag = v(
    "filename",
    'f',
    "[]",
    "Filename, directory, or URL to files to use.",
);
const RECURSIVE: Flag = b("recursive", 'R', "Process the directory used in -f, --filename recursively. Useful when you want to manage related manifests organized within the same directory.");
const DRY_RUN: Flag = Flag {
    long: "dry-run",
    short: '\0',
    takes_value: true,
    no_opt_default: "unchanged",
    default: "none",
    help: "Must be \"none\", \"server\", or \"client\". If client strategy, only print the object that would be sent, without sending it. If server strategy, submit server-side request without persisting the resource.",
};
const ALL: Flag = b(
    "all",
    '\0',
    "Select all resources, in the namespace of the specified resource types.",
);
const OVERWRITE: Flag = b("overwrite", '\0', "If true, allow labels to be overwritten, otherwise reject label updates that overwrite existing labels.");
const NO_HEADERS: Flag = b("no-headers", '\0', "When using the default or custom-column output format, don't print headers (default print headers).");
const SHOW_LABELS: Flag = b(
    "show-labels",
    '\0',
    "When printing, show all labels as the last column (default hide labels column)",
);
const TIMEOUT: Flag = v("timeout", '\0', "0s", "The length of time to wait before giving up, zero means determine a timeout from the size of the object.");
const IMAGE: Flag = v("image", '\0', "", "Image name to run.");
const CONTAINER: Flag = v("container", 'c', "", "Container name. If omitted, use the kubectl.kubernetes.io/default-container annotation for selecting the container to be attached or the first container in the pod will be chosen");
const SAVE_CONFIG: Flag = b("save-config", '\0', "If true, the configuration of current object will be saved in its annotation. Otherwise, the annotation will be unchanged.");
const GRACE: Flag = v("grace-period", '\0', "-1", "Period of time in seconds given to the resource to terminate gracefully. Ignored if negative. Set to 1 for immediate shutdown. Can only be set to 0 when --force is true (force deletion).");
const FORCE: Flag = b("force", '\0', "If true, immediately remove resources from API and bypass graceful deletion. Note that immediate deletion of some resources may result in inconsistency or data loss and requires confirmation.");
const TCP: Flag = v(
    "tcp",
    '\0',
    "[]",
    "Port pairs can be specified as '<port>:<targetPort>'.",
);

macro_rules! cmd {
    ($path:expr, $group:expr, $short:expr, $usage:expr, $examples:expr, [$($flag:expr),* $(,)?]) => {
        Command { path: $path, aliases: &[], short: $short, usage: $usage, examples: $examples, flags: &[$($flag),*], group: $group }
    };
}

const BASIC_B: &str = "Basic Commands (Beginner)";
const BASIC_I: &str = "Basic Commands (Intermediate)";
const DEPLOY: &str = "Deploy Commands";
const CLUSTER: &str = "Cluster Management Commands";
const DEBUG: &str = "Troubleshooting and Debugging Commands";
const ADVANCED: &str = "Advanced Commands";
const SETTINGS: &str = "Settings Commands";
const OTHER: &str = "Other Commands";

/// Every command the simulated kubectl knows, in `kubectl --help` order.
pub static COMMANDS: &[Command] = &[
    cmd!(&["create"], BASIC_B, "Create a resource from a file or from stdin", "kubectl create -f FILENAME [options]",
        "  # Create a pod using the data in pod.json\n  kubectl create -f ./pod.json\n\n  # Create a pod based on the JSON passed into stdin\n  cat pod.json | kubectl create -f -",
        [FILENAME, RECURSIVE, OUTPUT, DRY_RUN, SAVE_CONFIG]),
    cmd!(&["create", "deployment"], "", "Create a deployment with the specified name", "kubectl create deployment NAME --image=image -- [COMMAND] [args...] [options]",
        "  # Create a deployment named my-dep that runs the busybox image\n  kubectl create deployment my-dep --image=busybox\n\n  # Create a deployment named my-dep that runs the nginx image with 3 replicas\n  kubectl create deployment my-dep --image=nginx --replicas=3\n\n  # Create a deployment named my-dep that runs the busybox image and expose port 5701\n  kubectl create deployment my-dep --image=busybox --port=5701",
        [v("image", '\0', "[]", "Image names to run. A deployment can have multiple images set for multi-container pod."), v("replicas", 'r', "1", "Number of replicas to create. Default is 1."), v("port", '\0', "-1", "The containerPort that this deployment exposes."), OUTPUT, DRY_RUN, SAVE_CONFIG]),
    cmd!(&["create", "namespace"], "", "Create a namespace with the specified name", "kubectl create namespace NAME [--dry-run=server|client|none] [options]",
        "  # Create a new namespace named my-namespace\n  kubectl create namespace my-namespace", [OUTPUT, DRY_RUN, SAVE_CONFIG]),
    cmd!(&["create", "service"], "", "Create a service using a specified subcommand", "kubectl create service [flags] [options]", "", []),
    cmd!(&["create", "service", "clusterip"], "", "Create a ClusterIP service", "kubectl create service clusterip NAME [--tcp=<port>:<targetPort>] [--dry-run=server|client|none] [options]",
        "  # Create a new ClusterIP service named my-cs\n  kubectl create service clusterip my-cs --tcp=5678:8080\n\n  # Create a new ClusterIP service named my-cs (in headless mode)\n  kubectl create service clusterip my-cs --clusterip=\"None\"",
        [TCP, v("clusterip", '\0', "", "Assign your own ClusterIP or set to 'None' for a 'headless' service (no loadbalancing)."), OUTPUT, DRY_RUN, SAVE_CONFIG]),
    cmd!(&["create", "service", "nodeport"], "", "Create a NodePort service", "kubectl create service nodeport NAME [--tcp=port:targetPort] [--dry-run=server|client|none] [options]",
        "  # Create a new NodePort service named my-ns\n  kubectl create service nodeport my-ns --tcp=5678:8080",
        [TCP, v("node-port", '\0', "0", "Port used to expose the service on each node in a cluster."), OUTPUT, DRY_RUN, SAVE_CONFIG]),
    cmd!(&["create", "service", "loadbalancer"], "", "Create a LoadBalancer service", "kubectl create service loadbalancer NAME [--tcp=port:targetPort] [--dry-run=server|client|none] [options]",
        "  # Create a new LoadBalancer service named my-lbs\n  kubectl create service loadbalancer my-lbs --tcp=5678:8080", [TCP, OUTPUT, DRY_RUN, SAVE_CONFIG]),
    cmd!(&["create", "configmap"], "", "Create a config map from a local file, directory or literal value", "kubectl create configmap NAME [--from-file=[key=]source] [--from-literal=key1=value1] [--dry-run=server|client|none] [options]",
        "  # Create a new config map named my-config based on folder bar\n  kubectl create configmap my-config --from-file=path/to/bar\n\n  # Create a new config map named my-config with key1=config1 and key2=config2\n  kubectl create configmap my-config --from-literal=key1=config1 --from-literal=key2=config2",
        [v("from-literal", '\0', "[]", "Specify a key and literal value to insert in configmap (i.e. mykey=somevalue)"), v("from-file", '\0', "[]", "Key file can be specified using its file path, in which case file basename will be used as configmap key, or optionally with a key and file path, in which case the given key will be used."), v("from-env-file", '\0', "[]", "Specify the path to a file to read lines of key=val pairs to create a configmap."), OUTPUT, DRY_RUN, SAVE_CONFIG]),
    cmd!(&["create", "secret"], "", "Create a secret using a specified subcommand", "kubectl create secret (docker-registry | generic | tls) [options]", "", []),
    cmd!(&["create", "secret", "generic"], "", "Create a secret from a local file, directory, or literal value", "kubectl create secret generic NAME [--type=string] [--from-file=[key=]source] [--from-literal=key1=value1] [--dry-run=server|client|none] [options]",
        "  # Create a new secret named my-secret with key1=supersecret and key2=topsecret\n  kubectl create secret generic my-secret --from-literal=key1=supersecret --from-literal=key2=topsecret",
        [v("from-literal", '\0', "[]", "Specify a key and literal value to insert in secret (i.e. mykey=somevalue)"), v("from-file", '\0', "[]", "Key files can be specified using their file path, in which case a default name will be given to them, or optionally with a name and file path, in which case the given name will be used."), v("type", '\0', "", "The type of secret to create"), OUTPUT, DRY_RUN, SAVE_CONFIG]),
    cmd!(&["create", "job"], "", "Create a job with the specified name", "kubectl create job NAME --image=image [--from=cronjob/name] -- [COMMAND] [args...] [options]",
        "  # Create a job\n  kubectl create job my-job --image=busybox\n\n  # Create a job with a command\n  kubectl create job my-job --image=busybox -- date", [IMAGE, OUTPUT, DRY_RUN, SAVE_CONFIG]),
    cmd!(&["create", "serviceaccount"], "", "Create a service account with the specified name", "kubectl create serviceaccount NAME [--dry-run=server|client|none] [options]",
        "  # Create a new service account named my-service-account\n  kubectl create serviceaccount my-service-account", [OUTPUT, DRY_RUN, SAVE_CONFIG]),
    cmd!(&["create", "token"], "", "Request a service account token", "kubectl create token SERVICE_ACCOUNT_NAME [options]",
        "  # Request a token to authenticate to the kube-apiserver as the service account \"myapp\" in the current namespace\n  kubectl create token myapp\n  \n  # Request a token for a service account in a custom namespace\n  kubectl create token myapp --namespace myns\n  \n  # Request a token with a custom expiration\n  kubectl create token myapp --duration 10m",
        [v("duration", '\0', "0s", "Requested lifetime of the issued token. If not set or if set to 0, the lifetime will be determined by the server automatically. The server may return a token with a longer or shorter lifetime."), OUTPUT]),
    cmd!(&["create", "role"], "", "Create a role with single rule", "kubectl create role NAME --verb=verb --resource=resource.group/subresource [--resource-name=resourcename] [--dry-run=server|client|none] [options]",
        "  # Create a role named \"pod-reader\" that allows user to perform \"get\", \"watch\" and \"list\" on pods\n  kubectl create role pod-reader --verb=get --verb=list --verb=watch --resource=pods",
        [v("verb", '\0', "[]", "Verb that applies to the resources contained in the rule"), v("resource", '\0', "[]", "Resource that the rule applies to"), v("resource-name", '\0', "[]", "Resource in the white list that the rule applies to, repeat this flag for multiple items"), OUTPUT, DRY_RUN, SAVE_CONFIG]),
    cmd!(&["create", "rolebinding"], "", "Create a role binding for a particular role or cluster role", "kubectl create rolebinding NAME --clusterrole=NAME|--role=NAME [--user=username] [--group=groupname] [--serviceaccount=namespace:serviceaccountname] [--dry-run=server|client|none] [options]",
        "  # Create a role binding for user1, user2, and group1 using the admin cluster role\n  kubectl create rolebinding admin --clusterrole=admin --user=user1 --user=user2 --group=group1",
        [v("role", '\0', "", "Role this RoleBinding should reference"), v("clusterrole", '\0', "", "ClusterRole this RoleBinding should reference"), v("group", '\0', "[]", "Groups to bind to the role. The flag can be repeated to add multiple groups."), v("serviceaccount", '\0', "[]", "Service accounts to bind to the role, in the format <namespace>:<name>. The flag can be repeated to add multiple service accounts."), OUTPUT, DRY_RUN, SAVE_CONFIG]),
    cmd!(&["expose"], BASIC_B, "Take a replication controller, service, deployment or pod and expose it as a new Kubernetes service", "kubectl expose (-f FILENAME | TYPE NAME) [--port=port] [--protocol=TCP|UDP|SCTP] [--target-port=number-or-name] [--name=name] [--external-ip=external-ip-of-service] [--type=type] [options]",
        "  # Create a service for an nginx deployment, which serves on port 80 and connects to the containers on port 8000\n  kubectl expose deployment nginx --port=80 --target-port=8000",
        [v("port", '\0', "", "The port that the service should serve on. Copied from the resource being exposed, if unspecified"), v("target-port", '\0', "", "Name or number for the port on the container that the service should direct traffic to. Optional."), v("type", '\0', "", "Type for this service: ClusterIP, NodePort, LoadBalancer, or ExternalName. Default is 'ClusterIP'."), v("name", '\0', "", "The name for the newly created object."), v("protocol", '\0', "", "The network protocol for the service to be created. Default is 'TCP'."), v("selector", '\0', "", "A label selector to use for this service. Only equality-based selector requirements are supported. If empty (the default) infer the selector from the replication controller or replica set.)"), OUTPUT, DRY_RUN]),
    cmd!(&["run"], BASIC_B, "Run a particular image on the cluster", "kubectl run NAME --image=image [--env=\"key=value\"] [--port=port] [--dry-run=server|client] [--overrides=inline-json] [--command] -- [COMMAND] [args...] [options]",
        "  # Start a nginx pod\n  kubectl run nginx --image=nginx\n\n  # Start a hazelcast pod and let the container expose port 5701\n  kubectl run hazelcast --image=hazelcast/hazelcast --port=5701\n\n  # Start a busybox pod and keep it in the foreground, don't restart it if it exits\n  kubectl run -i -t busybox --image=busybox --restart=Never",
        [IMAGE, v("port", '\0', "", "The port that this container exposes."), v("restart", '\0', "Always", "The restart policy for this Pod.  Legal values [Always, OnFailure, Never]."), v("labels", 'l', "", "Comma separated labels to apply to the pod. Will override previous values."), v("env", '\0', "[]", "Environment variables to set in the container."), b("command", '\0', "If true and extra arguments are present, use them as the 'command' field in the container, rather than the 'args' field which is the default."), b("stdin", 'i', "Keep stdin open on the container in the pod, even if nothing is attached."), b("tty", 't', "Allocate a TTY for the container in the pod."), b("rm", '\0', "If true, delete the pod after it exits.  Only valid when attaching to the container, e.g. with '--attach' or with '-i/--stdin'."), v("overrides", '\0', "", "An inline JSON override for the generated object. If this is non-empty, it is used to override the generated object. Requires that the object supply a valid apiVersion field."), OUTPUT, DRY_RUN]),
    cmd!(&["set"], BASIC_B, "Set specific features on objects", "kubectl set SUBCOMMAND [options]", "", []),
    cmd!(&["set", "image"], "", "Update the image of a pod template", "kubectl set image (-f FILENAME | TYPE NAME) CONTAINER_NAME_1=CONTAINER_IMAGE_1 ... CONTAINER_NAME_N=CONTAINER_IMAGE_N [options]",
        "  # Set a deployment's nginx container image to 'nginx:1.9.1', and its busybox container image to 'busybox'\n  kubectl set image deployment/nginx busybox=busybox nginx=nginx:1.9.1",
        [ALL, SELECTOR, OUTPUT, DRY_RUN]),
    cmd!(&["set", "resources"], "", "Update resource requests/limits on objects with pod templates", "kubectl set resources (-f FILENAME | TYPE NAME)  ([--limits=LIMITS & --requests=REQUESTS] [options]",
        "  # Set a deployments nginx container cpu limits to \"200m\" and memory to \"512Mi\"\n  kubectl set resources deployment nginx -c=nginx --limits=cpu=200m,memory=512Mi\n\n  # Set the resource request and limits for all containers in nginx\n  kubectl set resources deployment nginx --limits=cpu=200m,memory=512Mi --requests=cpu=100m,memory=256Mi\n\n  # Remove the resource requests for resources on containers in nginx\n  kubectl set resources deployment nginx --limits=cpu=0,memory=0 --requests=cpu=0,memory=0",
        [ALL, v("containers", 'c', "*", "The names of containers in the selected pod templates to change, all containers are selected by default - may use wildcards"), v("limits", '\0', "", "The resource requirement requests for this container.  For example, 'cpu=100m,memory=256Mi'.  Note that server side components may assign requests depending on the server configuration, such as limit ranges."), v("requests", '\0', "", "The resource requirement requests for this container.  For example, 'cpu=100m,memory=256Mi'.  Note that server side components may assign requests depending on the server configuration, such as limit ranges."), SELECTOR, OUTPUT, DRY_RUN]),
    cmd!(&["explain"], BASIC_I, "Get documentation for a resource", "kubectl explain TYPE [--recursive=FALSE|TRUE] [--api-version=api-version-group] [--output=plaintext|plaintext-openapiv2] [options]",
        "  # Get the documentation of the resource and its fields\n  kubectl explain pods\n\n  # Get the documentation of a specific field of a resource\n  kubectl explain pods.spec.containers",
        [b("recursive", '\0', "When true, print the name of all the fields recursively. Otherwise, print the available fields with their description."), v("api-version", '\0', "", "Use given api-version (group/version) of the resource.")]),
    cmd!(&["get"], BASIC_I, "Display one or many resources", "kubectl get [(-o|--output=)json|yaml|name|go-template|go-template-file|template|templatefile|jsonpath|jsonpath-as-json|jsonpath-file|custom-columns|custom-columns-file|wide] (TYPE[.VERSION][.GROUP] [NAME | -l label] | TYPE[.VERSION][.GROUP]/NAME ...) [flags] [options]",
        "  # List all pods in ps output format\n  kubectl get pods\n\n  # List all pods in ps output format with more information (such as node name)\n  kubectl get pods -o wide\n\n  # List a single pod in JSON output format\n  kubectl get -o json pod web-pod-13je7\n\n  # List all replication controllers and services together in ps output format\n  kubectl get rc,services\n\n  # List one or more resources by their type and names\n  kubectl get rc/web service/frontend pods/web-pod-13je7",
        [ALL_NS, FIELD_SELECTOR, FILENAME, b("ignore-not-found", '\0', "If set to true, suppresses NotFound error for specific objects that do not exist. Using this flag with commands that query for collections of resources has no effect when no resources are found."), SELECTOR, NO_HEADERS, OUTPUT, SHOW_LABELS, v("sort-by", '\0', "", "If non-empty, sort list types using this field specification.  The field specification is expressed as a JSONPath expression (e.g. '{.metadata.name}')."), b("watch", 'w', "After listing/getting the requested object, watch for changes."), b("watch-only", '\0', "Watch for changes to the requested object(s), without listing/getting first."), v("label-columns", 'L', "[]", "Accepts a comma separated list of labels that are going to be presented as columns."), v("chunk-size", '\0', "500", "Return large lists in chunks rather than all at once.")]),
    cmd!(&["edit"], BASIC_I, "Edit a resource on the server", "kubectl edit (RESOURCE/NAME | -f FILENAME) [options]",
        "  # Edit the service named 'registry'\n  kubectl edit svc/docker-registry\n\n  # Edit the deployment 'mydeployment' in YAML and save the modified config in its annotation\n  kubectl edit deployment/mydeployment -o yaml --save-config",
        [FILENAME, OUTPUT, SAVE_CONFIG]),
    cmd!(&["delete"], BASIC_I, "Delete resources by file names, stdin, resources and names, or by resources and label selector", "kubectl delete ([-f FILENAME] | [-k DIRECTORY] | TYPE [(NAME | -l label | --all)]) [options]",
        "  # Delete a pod using the type and name specified in pod.json\n  kubectl delete -f ./pod.json\n\n  # Delete pods and services with same names \"baz\" and \"foo\"\n  kubectl delete pod,service baz foo\n\n  # Delete pods and services with label name=myLabel\n  kubectl delete pods,services -l name=myLabel\n\n  # Delete a pod with minimal delay\n  kubectl delete pod foo --now\n\n  # Force delete a pod on a dead node\n  kubectl delete pod foo --force\n\n  # Delete all pods\n  kubectl delete pods --all",
        [ALL, ALL_NS, FILENAME, RECURSIVE, SELECTOR, FIELD_SELECTOR, FORCE, GRACE, b("now", '\0', "If true, resources are signaled for immediate shutdown (same as --grace-period=1)."), b("ignore-not-found", '\0', "Treat \"resource not found\" as a successful delete. Defaults to \"true\" when --all is specified."), b("wait", '\0', "If true, wait for resources to be gone before returning. This waits for finalizers."), v("cascade", '\0', "background", "Must be \"background\", \"orphan\", or \"foreground\". Selects the deletion cascading strategy for the dependents (e.g. Pods created by a ReplicationController). Defaults to background."), OUTPUT, DRY_RUN, TIMEOUT]),
    cmd!(&["rollout"], DEPLOY, "Manage the rollout of a resource", "kubectl rollout SUBCOMMAND [options]",
        "  # Rollback to the previous deployment\n  kubectl rollout undo deployment/abc\n\n  # Check the rollout status of a daemonset\n  kubectl rollout status daemonset/foo\n\n  # Restart a deployment\n  kubectl rollout restart deployment/abc", []),
    cmd!(&["rollout", "status"], "", "Show the status of the rollout", "kubectl rollout status (TYPE NAME | TYPE/NAME) [flags] [options]",
        "  # Watch the rollout status of a deployment\n  kubectl rollout status deployment/nginx",
        [b("watch", 'w', "Watch the status of the rollout until it's done."), TIMEOUT, v("revision", '\0', "0", "Pin to a specific revision for showing its status. Defaults to 0 (last revision).")]),
    cmd!(&["rollout", "history"], "", "View rollout history", "kubectl rollout history (TYPE NAME | TYPE/NAME) [flags] [options]",
        "  # View the rollout history of a deployment\n  kubectl rollout history deployment/abc\n\n  # View the details of daemonset revision 3\n  kubectl rollout history daemonset/abc --revision=3",
        [v("revision", '\0', "0", "See the details, including podTemplate of the revision specified"), OUTPUT]),
    cmd!(&["rollout", "undo"], "", "Undo a previous rollout", "kubectl rollout undo (TYPE NAME | TYPE/NAME) [flags] [options]",
        "  # Roll back to the previous deployment\n  kubectl rollout undo deployment/abc\n\n  # Roll back to daemonset revision 3\n  kubectl rollout undo daemonset/abc --to-revision=3",
        [v("to-revision", '\0', "0", "The revision to rollback to. Default to 0 (last revision)."), DRY_RUN]),
    cmd!(&["rollout", "restart"], "", "Restart a resource", "kubectl rollout restart RESOURCE [options]",
        "  # Restart all deployments in the test-namespace namespace\n  kubectl rollout restart deployment -n test-namespace\n\n  # Restart a deployment\n  kubectl rollout restart deployment/nginx", [SELECTOR]),
    cmd!(&["rollout", "pause"], "", "Mark the provided resource as paused", "kubectl rollout pause RESOURCE [options]",
        "  # Mark the nginx deployment as paused\n  # Any current state of the deployment will continue its function; new updates\n  # to the deployment will not have an effect as long as the deployment is paused\n  kubectl rollout pause deployment/nginx", [SELECTOR]),
    cmd!(&["rollout", "resume"], "", "Resume a paused resource", "kubectl rollout resume RESOURCE [options]",
        "  # Resume an already paused deployment\n  kubectl rollout resume deployment/nginx", [SELECTOR]),
    cmd!(&["scale"], DEPLOY, "Set a new size for a deployment, replica set, or replication controller", "kubectl scale [--resource-version=version] [--current-replicas=count] --replicas=COUNT (-f FILENAME | TYPE NAME) [options]",
        "  # Scale a replica set named 'foo' to 3\n  kubectl scale --replicas=3 rs/foo\n\n  # Scale a resource identified by type and name specified in \"foo.yaml\" to 3\n  kubectl scale --replicas=3 -f foo.yaml",
        [v("replicas", '\0', "0", "The new desired number of replicas. Required."), v("current-replicas", '\0', "-1", "Precondition for current size. Requires that the current size of the resource match this value in order to scale."), ALL, SELECTOR, FILENAME, OUTPUT, DRY_RUN]),
    cmd!(&["certificate"], CLUSTER, "Modify certificate resources", "kubectl certificate SUBCOMMAND [options]", "", []),
    cmd!(&["cluster-info"], CLUSTER, "Display cluster information", "kubectl cluster-info [flags] [options]",
        "  # Print the address of the control plane and cluster services\n  kubectl cluster-info", []),
    cmd!(&["top"], CLUSTER, "Display resource (CPU/memory) usage", "kubectl top [flags] [options]", "", []),
    cmd!(&["top", "node"], "", "Display resource (CPU/memory) usage of nodes", "kubectl top node [NAME | -l label] [options]",
        "  # Show metrics for all nodes\n  kubectl top node", [SELECTOR, NO_HEADERS, v("sort-by", '\0', "", "If non-empty, sort nodes list using specified field. The field can be either 'cpu' or 'memory'.")]),
    cmd!(&["top", "pod"], "", "Display resource (CPU/memory) usage of pods", "kubectl top pod [NAME | -l label] [options]",
        "  # Show metrics for all pods in the default namespace\n  kubectl top pod", [ALL_NS, SELECTOR, NO_HEADERS, b("containers", '\0', "If present, print usage of containers within a pod."), v("sort-by", '\0', "", "If non-empty, sort pods list using specified field. The field can be either 'cpu' or 'memory'.")]),
    cmd!(&["cordon"], CLUSTER, "Mark node as unschedulable", "kubectl cordon NODE [options]",
        "  # Mark node \"foo\" as unschedulable\n  kubectl cordon foo", [SELECTOR, DRY_RUN]),
    cmd!(&["uncordon"], CLUSTER, "Mark node as schedulable", "kubectl uncordon NODE [options]",
        "  # Mark node \"foo\" as schedulable\n  kubectl uncordon foo", [SELECTOR, DRY_RUN]),
    cmd!(&["drain"], CLUSTER, "Drain node in preparation for maintenance", "kubectl drain NODE [options]",
        "  # Drain node \"foo\", even if there are pods not managed by a replication controller, replica set, job, daemon set, or stateful set on it\n  kubectl drain foo --force\n\n  # As above, but abort if there are pods not managed by a replication controller, replica set, job, daemon set, or stateful set, and use a grace period of 15 minutes\n  kubectl drain foo --grace-period=900",
        [b("ignore-daemonsets", '\0', "Ignore DaemonSet-managed pods."), b("delete-emptydir-data", '\0', "Continue even if there are pods using emptyDir (local data that will be deleted when the node is drained)."), FORCE, GRACE, SELECTOR, TIMEOUT, DRY_RUN]),
    cmd!(&["taint"], CLUSTER, "Update the taints on one or more nodes", "kubectl taint NODE NAME KEY_1=VAL_1:TAINT_EFFECT_1 ... KEY_N=VAL_N:TAINT_EFFECT_N [options]",
        "  # Update node 'foo' with a taint with key 'dedicated' and value 'special-user' and effect 'NoSchedule'\n  # If a taint with that key and effect already exists, its value is replaced as specified\n  kubectl taint nodes foo dedicated=special-user:NoSchedule\n\n  # Remove from node 'foo' the taint with key 'dedicated' and effect 'NoSchedule' if one exists\n  kubectl taint nodes foo dedicated:NoSchedule-",
        [ALL, OVERWRITE, SELECTOR, DRY_RUN]),
    cmd!(&["describe"], DEBUG, "Show details of a specific resource or group of resources", "kubectl describe (-f FILENAME | TYPE [NAME_PREFIX | -l label] | TYPE/NAME) [options]",
        "  # Describe a node\n  kubectl describe nodes kubernetes-node-emt8.c.myproject.internal\n\n  # Describe a pod\n  kubectl describe pods/nginx\n\n  # Describe pods by label name=myLabel\n  kubectl describe pods -l name=myLabel",
        [ALL_NS, FILENAME, SELECTOR, b("show-events", '\0', "If true, display events related to the described object.")]),
    cmd!(&["logs"], DEBUG, "Print the logs for a container in a pod", "kubectl logs [-f] [-p] (POD | TYPE/NAME) [-c CONTAINER] [options]",
        "  # Return snapshot logs from pod nginx with only one container\n  kubectl logs nginx\n\n  # Begin streaming the logs of the ruby container in pod web-1\n  kubectl logs -f -c ruby web-1\n\n  # Display only the most recent 20 lines of output in pod nginx\n  kubectl logs --tail=20 nginx",
        [CONTAINER, b("follow", 'f', "Specify if the logs should be streamed."), b("previous", 'p', "If true, print the logs for the previous instance of the container in a pod if it exists."), v("tail", '\0', "-1", "Lines of recent log file to display. Defaults to -1 with no selector, showing all log lines otherwise 10, if a selector is provided."), SELECTOR, b("all-containers", '\0', "Get all containers' logs in the pod(s)."), b("timestamps", '\0', "Include timestamps on each line in the log output"), v("since", '\0', "0s", "Only return logs newer than a relative duration like 5s, 2m, or 3h. Defaults to all logs. Only one of since-time / since may be used."), b("prefix", '\0', "Prefix each log line with the log source (pod name and container name)")]),
    cmd!(&["attach"], DEBUG, "Attach to a running container", "kubectl attach (POD | TYPE/NAME) -c CONTAINER [options]", "", [CONTAINER, b("stdin", 'i', "Pass stdin to the container"), b("tty", 't', "Stdin is a TTY")]),
    cmd!(&["exec"], DEBUG, "Execute a command in a container", "kubectl exec (POD | TYPE/NAME) [-c CONTAINER] [flags] -- COMMAND [args...] [options]",
        "  # Get output from running the 'date' command from pod mypod, using the first container by default\n  kubectl exec mypod -- date\n\n  # Switch to raw terminal mode; sends stdin to 'bash' in ruby-container from pod mypod\n  # and sends stdout/stderr from 'bash' back to the client\n  kubectl exec mypod -c ruby-container -i -t -- bash -il",
        [CONTAINER, b("stdin", 'i', "Pass stdin to the container"), b("tty", 't', "Stdin is a TTY"), b("quiet", 'q', "Only print output from the remote session")]),
    cmd!(&["port-forward"], DEBUG, "Forward one or more local ports to a pod", "kubectl port-forward TYPE/NAME [options] [LOCAL_PORT:]REMOTE_PORT [...[LOCAL_PORT_N:]REMOTE_PORT_N]", "", [v("address", '\0', "[localhost]", "Addresses to listen on (comma separated).")]),
    cmd!(&["auth"], DEBUG, "Inspect authorization", "kubectl auth [flags] [options]", "", []),
    cmd!(&["auth", "can-i"], "", "Check whether an action is allowed", "kubectl auth can-i VERB [TYPE | TYPE/NAME | NONRESOURCEURL] [options]",
        "  # Check to see if I can create pods in any namespace\n  kubectl auth can-i create pods --all-namespaces\n\n  # Check to see if I can list deployments in my current namespace\n  kubectl auth can-i list deployments.apps",
        [ALL_NS, v("as", '\0', "", "Username to impersonate for the operation."), b("list", '\0', "If true, prints all allowed actions."), b("quiet", 'q', "If true, suppress output and just return the exit code.")]),
    cmd!(&["auth", "whoami"], "", "Experimental: Check self subject attributes", "kubectl auth whoami [options]",
        "  # Get your subject attributes\n  kubectl auth whoami", [OUTPUT]),
    cmd!(&["debug"], DEBUG, "Create debugging sessions for troubleshooting workloads and nodes", "kubectl debug (POD | TYPE[[.VERSION].GROUP]/NAME) [ -- COMMAND [args...] ] [options]", "", [IMAGE, b("stdin", 'i', "Keep stdin open on the container(s) in the pod, even if nothing is attached."), b("tty", 't', "Allocate a TTY for the debugging container.")]),
    cmd!(&["events"], DEBUG, "List events", "kubectl events [(-o|--output=)json|yaml|name|go-template|go-template-file|template|templatefile|jsonpath|jsonpath-as-json|jsonpath-file] [--for TYPE/NAME] [--watch] [--types=Normal,Warning] [options]",
        "  # List recent events in the default namespace\n  kubectl events", [ALL_NS, v("for", '\0', "", "Filter events to only those pertaining to the specified resource."), v("types", '\0', "[]", "Output only events of given types."), b("watch", 'w', "After listing the requested events, watch for more events."), NO_HEADERS, OUTPUT]),
    cmd!(&["diff"], ADVANCED, "Diff the live version against a would-be applied version", "kubectl diff -f FILENAME [options]", "", [FILENAME, RECURSIVE]),
    cmd!(&["apply"], ADVANCED, "Apply a configuration to a resource by file name or stdin", "kubectl apply (-f FILENAME | -k DIRECTORY) [options]",
        "  # Apply the configuration in pod.json to a pod\n  kubectl apply -f ./pod.json\n\n  # Apply the JSON passed into stdin to a pod\n  cat pod.json | kubectl apply -f -\n\n  # Apply all manifests in a directory\n  kubectl apply -f ./manifests/",
        [FILENAME, RECURSIVE, OUTPUT, DRY_RUN, b("prune", '\0', "Automatically delete resource objects, that do not appear in the configs and are created by either apply or create --save-config. Should be used with either -l or --all."), SELECTOR, b("server-side", '\0', "If true, apply runs in the server instead of the client."), b("force", '\0', "If true, immediately remove resources from API and bypass graceful deletion.")]),
    cmd!(&["patch"], ADVANCED, "Update fields of a resource", "kubectl patch (-f FILENAME | TYPE NAME) [-p PATCH|--patch-file FILE] [options]",
        "  # Partially update a node using a strategic merge patch, specifying the patch as JSON\n  kubectl patch node k8s-node-1 -p '{\"spec\":{\"unschedulable\":true}}'\n\n  # Update a container's image; spec.containers[*].name is required because it's a merge key\n  kubectl patch pod valid-pod -p '{\"spec\":{\"containers\":[{\"name\":\"kubernetes-serve-hostname\",\"image\":\"new image\"}]}}'",
        [v("patch", 'p', "", "The patch to be applied to the resource JSON file."), v("patch-file", '\0', "", "A file containing a patch to be applied to the resource."), v("type", '\0', "strategic", "The type of patch being provided; one of [json merge strategic]"), FILENAME, OUTPUT, DRY_RUN]),
    cmd!(&["replace"], ADVANCED, "Replace a resource by file name or stdin", "kubectl replace -f FILENAME [options]",
        "  # Replace a pod using the data in pod.json\n  kubectl replace -f ./pod.json\n\n  # Force replace, delete and then re-create the resource\n  kubectl replace --force -f ./pod.json",
        [FILENAME, RECURSIVE, FORCE, GRACE, OUTPUT, DRY_RUN, SAVE_CONFIG]),
    cmd!(&["wait"], ADVANCED, "Experimental: Wait for a specific condition on one or many resources", "kubectl wait ([-f FILENAME] | resource.group/resource.name | resource.group [(-l label | --all)]) [--for=create|--for=delete|--for condition=available|--for=jsonpath='{}'[=value]] [options]",
        "  # Wait for the pod \"busybox1\" to contain the status condition of type \"Ready\"\n  kubectl wait --for=condition=Ready pod/busybox1\n\n  # Wait for the pod \"busybox1\" to be deleted, with a timeout of 60s, after having issued the \"delete\" command\n  kubectl delete pod/busybox1\n  kubectl wait --for=delete pod/busybox1 --timeout=60s",
        [v("for", '\0', "", "The condition to wait on: [create|delete|condition=condition-name[=condition-value]|jsonpath='{JSONPath expression}'=[JSONPath value]]. The default condition-value is true.  Condition values are compared after Unicode simple case folding, which is a more general form of case-insensitivity."), v("timeout", '\0', "30s", "The length of time to wait before giving up.  Zero means check once and don't wait, negative means wait for a week."), ALL, ALL_NS, SELECTOR, FILENAME]),
    cmd!(&["kustomize"], ADVANCED, "Build a kustomization target from a directory or URL", "kubectl kustomize DIR [flags] [options]", "", []),
    cmd!(&["label"], SETTINGS, "Update the labels on a resource", "kubectl label [--overwrite] (-f FILENAME | TYPE NAME) KEY_1=VAL_1 ... KEY_N=VAL_N [--resource-version=version] [options]",
        "  # Update pod 'foo' with the label 'unhealthy' and the value 'true'\n  kubectl label pods foo unhealthy=true\n\n  # Update pod 'foo' with the label 'status' and the value 'unhealthy', overwriting any existing value\n  kubectl label --overwrite pods foo status=unhealthy\n\n  # Update pod 'foo' by removing a label named 'bar' if it exists\n  # Does not require the --overwrite flag\n  kubectl label pods foo bar-",
        [OVERWRITE, ALL, ALL_NS, SELECTOR, b("list", '\0', "If true, display the labels for a given resource."), FILENAME, OUTPUT, DRY_RUN]),
    cmd!(&["annotate"], SETTINGS, "Update the annotations on a resource", "kubectl annotate [--overwrite] (-f FILENAME | TYPE NAME) KEY_1=VAL_1 ... KEY_N=VAL_N [--resource-version=version] [options]",
        "  # Update pod 'foo' with the annotation 'description' and the value 'my frontend'\n  # If the same annotation is set multiple times, only the last value will be applied\n  kubectl annotate pods foo description='my frontend'\n\n  # Update pod 'foo' by removing an annotation named 'description' if it exists\n  # Does not require the --overwrite flag\n  kubectl annotate pods foo description-",
        [OVERWRITE, ALL, ALL_NS, SELECTOR, b("list", '\0', "If true, display the annotations for a given resource."), FILENAME, OUTPUT, DRY_RUN]),
    cmd!(&["completion"], SETTINGS, "Output shell completion code for the specified shell (bash, zsh, fish, or powershell)", "kubectl completion SHELL [options]", "", []),
    cmd!(&["api-resources"], OTHER, "Print the supported API resources on the server", "kubectl api-resources [flags] [options]",
        "  # Print the supported API resources\n  kubectl api-resources\n\n  # Print the supported API resources with more information\n  kubectl api-resources -o wide\n\n  # Print the supported namespaced resources\n  kubectl api-resources --namespaced=true",
        [v("namespaced", '\0', "true", "If false, non-namespaced resources will be returned, otherwise returning namespaced resources by default."), v("api-group", '\0', "", "Limit to resources in the specified API group."), b("no-headers", '\0', "When using the default or custom-column output format, don't print headers (default print headers)."), OUTPUT, v("verbs", '\0', "[]", "Limit to resources that support the specified verbs."), v("sort-by", '\0', "", "If non-empty, sort list of resources using specified field. The field can be either 'name' or 'kind'.")]),
    cmd!(&["api-versions"], OTHER, "Print the supported API versions on the server, in the form of \"group/version\"", "kubectl api-versions [flags] [options]",
        "  # Print the supported API versions\n  kubectl api-versions", []),
    cmd!(&["config"], OTHER, "Modify kubeconfig files", "kubectl config SUBCOMMAND [options]", "", []),
    cmd!(&["plugin"], OTHER, "Provides utilities for interacting with plugins", "kubectl plugin [flags] [options]", "", []),
    cmd!(&["version"], OTHER, "Print the client and server version information", "kubectl version [flags] [options]",
        "  # Print the client and server versions for the current context\n  kubectl version",
        [b("client", '\0', "If true, shows client version only (no server required)."), OUTPUT]),
];

/// For completion: the top-level verbs (`get`, `describe`, ...), in `kubectl --help` order.
pub fn verb_names() -> Vec<&'static str> {
    COMMANDS
        .iter()
        .filter(|c| c.path.len() == 1)
        .map(Command::name)
        .collect()
}

/// For completion: the sub-commands of `path` (`["create"]` → deployment, namespace, ...).
pub fn subcommand_names(path: &[&str]) -> Vec<&'static str> {
    find(path).map_or_else(Vec::new, |c| c.subcommands().map(Command::name).collect())
}

/// For completion: every flag `path` accepts (its own, then the global ones), as `--long`.
pub fn flag_names(path: &[&str]) -> Vec<String> {
    let own = find(path).map_or(&[][..], |c| c.flags);
    own.iter()
        .chain(GLOBAL_FLAGS)
        .map(|f| format!("--{}", f.long))
        .collect()
}

/// For completion: the resource type names kubectl accepts (plurals, then short names).
pub fn resource_type_names() -> Vec<&'static str> {
    let mut v: Vec<&'static str> = crate::sim::api::RESOURCES
        .iter()
        .map(|r| r.plural)
        .collect();
    v.push("componentstatuses");
    v.extend(
        crate::sim::api::RESOURCES
            .iter()
            .flat_map(|r| r.short_names.iter().copied()),
    );
    v.push("all");
    v
}

/// The command named by `path` (exact words, or aliases of the last word).
pub fn find(path: &[&str]) -> Option<&'static Command> {
    COMMANDS.iter().find(|c| {
        c.path.len() == path.len()
            && c.path
                .iter()
                .zip(path)
                .all(|(a, b)| a == b || (c.path.last() == Some(a) && c.aliases.contains(b)))
    })
}

/// Aliases kubectl accepts for sub-command words (`create deploy`, `top nodes`, ...).
pub fn canonical_subcommand(parent: &[&str], word: &str) -> String {
    let w = match (parent, word) {
        (["create"], "deploy") => "deployment",
        (["create"], "ns") => "namespace",
        (["create"], "svc") => "service",
        (["create"], "cm") => "configmap",
        (["create"], "sa") => "serviceaccount",
        (["top"], "nodes" | "no") => "node",
        (["top"], "pods" | "po") => "pod",
        _ => word,
    };
    w.to_string()
}

/// The result of parsing a command's arguments.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Parsed {
    /// Flag values by long name (repeated flags keep every value, in order).
    pub flags: BTreeMap<&'static str, Vec<String>>,
    /// Positional arguments before `--`.
    pub args: Vec<String>,
    /// Arguments after `--` (`kubectl exec web -- ls /`), if `--` was given.
    pub after_dash: Option<Vec<String>>,
}

impl Parsed {
    /// The last value given for a flag.
    pub fn value(&self, long: &str) -> Option<&str> {
        self.flags.get(long)?.last().map(String::as_str)
    }
    /// Every value given for a repeatable flag, comma lists kept as given.
    pub fn values(&self, long: &str) -> Vec<String> {
        self.flags.get(long).cloned().unwrap_or_default()
    }
    /// A bool flag: present (and not `=false`).
    pub fn on(&self, long: &str) -> bool {
        self.value(long).is_some_and(|v| v != "false")
    }
    pub fn has(&self, long: &str) -> bool {
        self.flags.contains_key(long)
    }
}

/// A command-line error, printed as `error: <msg>` + the `See '... --help'` line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FlagError {
    #[error("unknown flag: --{0}")]
    Unknown(String),
    #[error("unknown shorthand flag: '{0}' in -{1}")]
    UnknownShort(char, String),
    #[error("flag needs an argument: --{0}")]
    NeedsArg(String),
    #[error("flag needs an argument: '{0}' in -{1}")]
    NeedsArgShort(char, String),
    #[error("invalid argument \"{value}\" for \"{flag}\" flag: {why}")]
    Invalid {
        value: String,
        flag: String,
        why: String,
    },
}

/// Parses `args` for `cmd`, pflag style (flags may appear anywhere; `--` ends flags).
pub fn parse(cmd: &Command, args: &[String]) -> Result<Parsed, FlagError> {
    let mut p = Parsed::default();
    let mut i = 0;
    while i < args.len() {
        let arg = &args[i];
        i += 1;
        if arg == "--" {
            p.after_dash = Some(args[i..].to_vec());
            break;
        }
        if let Some(long) = arg.strip_prefix("--") {
            let (name, inline) = match long.split_once('=') {
                Some((n, v)) => (n, Some(v.to_string())),
                None => (long, None),
            };
            let flag = cmd
                .flag(name)
                .ok_or_else(|| FlagError::Unknown(name.to_string()))?;
            let value = if !flag.takes_value {
                let v = inline.unwrap_or_else(|| "true".to_string());
                check_bool(flag, &v)?;
                v
            } else if let Some(v) = inline {
                v
            } else if !flag.no_opt_default.is_empty() {
                flag.no_opt_default.to_string()
            } else if let Some(v) = args.get(i) {
                i += 1;
                v.clone()
            } else {
                return Err(FlagError::NeedsArg(name.to_string()));
            };
            p.flags.entry(flag.long).or_default().push(value);
        } else if arg.len() > 1 && arg.starts_with('-') {
            let shorts = &arg[1..];
            for (pos, c) in shorts.char_indices() {
                let flag = cmd
                    .flag_short(c)
                    .ok_or_else(|| FlagError::UnknownShort(c, shorts.to_string()))?;
                if !flag.takes_value {
                    let rest = &shorts[pos + c.len_utf8()..];
                    if let Some(v) = rest.strip_prefix('=') {
                        check_bool(flag, v)?;
                        p.flags.entry(flag.long).or_default().push(v.to_string());
                        break;
                    }
                    p.flags.entry(flag.long).or_default().push("true".into());
                    continue;
                }
                let rest = &shorts[pos + c.len_utf8()..];
                let value = if !rest.is_empty() {
                    rest.strip_prefix('=').unwrap_or(rest).to_string()
                } else if !flag.no_opt_default.is_empty() {
                    flag.no_opt_default.to_string()
                } else if let Some(v) = args.get(i) {
                    i += 1;
                    v.clone()
                } else {
                    return Err(FlagError::NeedsArgShort(c, shorts.to_string()));
                };
                p.flags.entry(flag.long).or_default().push(value);
                break;
            }
        } else {
            p.args.push(arg.clone());
        }
    }
    Ok(p)
}

fn check_bool(flag: &Flag, v: &str) -> Result<(), FlagError> {
    match v {
        "true" | "false" | "1" | "0" | "t" | "f" | "T" | "F" | "TRUE" | "FALSE" | "True"
        | "False" => Ok(()),
        _ => Err(FlagError::Invalid {
            value: v.to_string(),
            flag: format!("--{}", flag.long),
            why: format!("strconv.ParseBool: parsing \"{v}\": invalid syntax"),
        }),
    }
}

/// The `--help` text of a command: description, examples, options, usage.
pub fn help(cmd: &Command) -> String {
    let mut s = format!("{}.\n", cmd.short.trim_end_matches('.'));
    if !cmd.examples.is_empty() {
        s.push_str(&format!("\nExamples:\n{}\n", cmd.examples));
    }
    let subs: Vec<&Command> = cmd.subcommands().collect();
    if !subs.is_empty() {
        s.push_str("\nAvailable Commands:\n");
        let w = subs.iter().map(|c| c.name().len()).max().unwrap_or(0);
        for c in &subs {
            s.push_str(&format!("  {:<w$}   {}\n", c.name(), c.short));
        }
    }
    if !cmd.flags.is_empty() {
        s.push_str("\nOptions:\n");
        for f in cmd.flags {
            let short = if f.short == '\0' {
                String::new()
            } else {
                format!("-{}, ", f.short)
            };
            let default = if f.default.is_empty() {
                "''"
            } else {
                f.default
            };
            s.push_str(&format!(
                "    {short}--{}={default}:\n\t{}\n\n",
                f.long, f.help
            ));
        }
    } else {
        s.push('\n');
    }
    if !cmd.flags.is_empty() {
        // The options block already ends with a blank line.
    }
    s.push_str(&format!("Usage:\n  {}\n\n", cmd.usage));
    if !subs.is_empty() {
        s.push_str(&format!(
            "Use \"{} <command> --help\" for more information about a given command.\n",
            cmd.full_name()
        ));
    }
    s.push_str("Use \"kubectl options\" for a list of global command-line options (applies to all commands).\n");
    s
}

/// `kubectl --help`.
pub fn root_help() -> String {
    let mut s = String::from(
        "kubectl controls the Kubernetes cluster manager.\n\n Find more information at: https://kubernetes.io/docs/reference/kubectl/\n",
    );
    let mut group = "";
    for c in COMMANDS.iter().filter(|c| c.path.len() == 1) {
        if c.group != group {
            group = c.group;
            s.push_str(&format!("\n{group}:\n"));
        }
        s.push_str(&format!("  {:<14}{}\n", c.name(), c.short));
    }
    s.push_str("\nUsage:\n  kubectl [flags] [options]\n\nUse \"kubectl <command> --help\" for more information about a given command.\nUse \"kubectl options\" for a list of global command-line options (applies to all commands).\n");
    s
}

/// `kubectl options`: the global flags.
pub fn options_help() -> String {
    let mut s = String::from("The following options can be passed to any command:\n\n");
    for f in GLOBAL_FLAGS.iter().filter(|f| f.long != "help") {
        let short = if f.short == '\0' {
            String::new()
        } else {
            format!("-{}, ", f.short)
        };
        let default = if f.default.is_empty() {
            "''"
        } else {
            f.default
        };
        s.push_str(&format!(
            "    {short}--{}={default}:\n\t{}\n\n",
            f.long, f.help
        ));
    }
    s.push_str("Usage:\n  kubectl options [flags] [options]\n");
    s
}

/// Cobra's suggestions: commands within Levenshtein distance 2, or that start with the typo.
pub fn suggestions(
    typed: &str,
    candidates: impl Iterator<Item = &'static str>,
) -> Vec<&'static str> {
    let lower = typed.to_ascii_lowercase();
    candidates
        .filter(|c| levenshtein(&lower, c) <= 2 || c.starts_with(&lower))
        .collect()
}

/// `error: unknown command "x" for "kubectl"` with cobra's "Did you mean this?" block.
pub fn unknown_command(typed: &str, parent: &str) -> String {
    // Candidates: the parent's own sub-commands (`kubectl rollout <x>`), else the verbs.
    let parent_path: Vec<&str> = parent.split_whitespace().skip(1).collect();
    let candidates = COMMANDS
        .iter()
        .filter(|c| c.path.len() == parent_path.len() + 1 && c.path.starts_with(&parent_path))
        .map(|c| c.name());
    let mut sugg = suggestions(typed, candidates);
    // cobra lists sub-commands sorted by name.
    sugg.sort_small();
    let mut s = format!("error: unknown command \"{typed}\" for \"{parent}\"");
    if !sugg.is_empty() {
        s.push_str("\n\nDid you mean this?\n");
        for x in sugg {
            s.push_str(&format!("\t{x}\n"));
        }
        s.pop();
    }
    s
}

pub fn levenshtein(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(path: &[&str], args: &[&str]) -> Result<Parsed, FlagError> {
        let cmd = find(path).unwrap();
        parse(cmd, &args.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn pflag_forms() {
        for args in [
            &["-n", "x"][..],
            &["-nx"],
            &["--namespace=x"],
            &["--namespace", "x"],
            &["-n=x"],
        ] {
            assert_eq!(p(&["get"], args).unwrap().value("namespace"), Some("x"));
        }
        let r = p(&["get"], &["pods", "-Aw", "-oyaml", "--show-labels"]).unwrap();
        assert!(r.on("all-namespaces") && r.on("watch") && r.on("show-labels"));
        assert_eq!(r.value("output"), Some("yaml"));
        assert_eq!(r.args, ["pods"]);
        let r = p(&["exec"], &["web", "-it", "--", "ls", "-l"]).unwrap();
        assert_eq!(r.after_dash, Some(vec!["ls".to_string(), "-l".to_string()]));
        assert!(r.on("stdin") && r.on("tty"));
        let r = p(&["create"], &["--dry-run", "-f", "-"]).unwrap();
        assert_eq!(r.value("dry-run"), Some("unchanged"));
        assert_eq!(r.value("filename"), Some("-"));
        assert!(!p(&["get"], &["--show-labels=false"])
            .unwrap()
            .on("show-labels"));
    }

    #[test]
    fn pflag_errors() {
        assert_eq!(
            p(&["get"], &["--foo"]).unwrap_err().to_string(),
            "unknown flag: --foo"
        );
        assert_eq!(
            p(&["get"], &["-z"]).unwrap_err().to_string(),
            "unknown shorthand flag: 'z' in -z"
        );
        assert_eq!(
            p(&["get"], &["-Az"]).unwrap_err().to_string(),
            "unknown shorthand flag: 'z' in -Az"
        );
        assert_eq!(
            p(&["get"], &["-n"]).unwrap_err().to_string(),
            "flag needs an argument: 'n' in -n"
        );
        assert_eq!(
            p(&["get"], &["--output"]).unwrap_err().to_string(),
            "flag needs an argument: --output"
        );
        assert!(p(&["get"], &["--watch=maybe"]).is_err());
    }

    #[test]
    fn suggestions_like_cobra() {
        assert_eq!(
            unknown_command("gt", "kubectl"),
            "error: unknown command \"gt\" for \"kubectl\"\n\nDid you mean this?\n\tget\n\tset"
        );
        assert_eq!(
            unknown_command("xyzzy", "kubectl"),
            "error: unknown command \"xyzzy\" for \"kubectl\""
        );
        assert_eq!(levenshtein("kitten", "sitting"), 3);
    }

    #[test]
    fn completion_lists() {
        assert!(verb_names().starts_with(&["create", "expose", "run"]));
        assert!(subcommand_names(&["rollout"]).contains(&"undo"));
        let f = flag_names(&["get"]);
        assert!(f.contains(&"--output".to_string()) && f.contains(&"--namespace".to_string()));
        assert!(resource_type_names().contains(&"deploy"));
    }

    #[test]
    fn every_command_has_help_and_unique_flags() {
        for c in COMMANDS {
            let h = help(c);
            assert!(h.contains("Usage:\n  kubectl"), "{:?}", c.path);
            let mut longs: Vec<&str> = c.flags.iter().map(|f| f.long).collect();
            longs.sort_unstable();
            let n = longs.len();
            longs.dedup();
            assert_eq!(n, longs.len(), "duplicate flag in {:?}", c.path);
        }
        assert!(root_help().contains("  get           Display one or many resources\n"));
    }
}
