using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;

namespace ReMiT.Cluster.Hosting;

/// <summary>
/// Settings of <see cref="ClusterDiscovery.Kubernetes"/>: which pods are the cluster's contact points (a namespace and
/// a label selector), this node's management endpoint (the HTTP port the other pods ask "which cluster are you in?"),
/// and how cautiously a new cluster is founded. Each comes from a REMIT_* variable (the Helm chart sets them); the API
/// server's address comes from the KUBERNETES_SERVICE_HOST/PORT variables Kubernetes gives every pod.
/// </summary>
public sealed partial record KubernetesDiscoveryOptions
{
    public const string NamespaceVariable = "REMIT_K8S_NAMESPACE";
    public const string LabelSelectorVariable = "REMIT_K8S_LABEL_SELECTOR";
    public const string ManagementHostnameVariable = "REMIT_MANAGEMENT_HOSTNAME";
    public const string ManagementPortVariable = "REMIT_MANAGEMENT_PORT";
    public const string PortNameVariable = "REMIT_MANAGEMENT_PORT_NAME";
    public const string RequiredContactPointsVariable = "REMIT_K8S_REQUIRED_CONTACT_POINTS";
    public const string StableMarginVariable = "REMIT_K8S_STABLE_MARGIN_S";
    public const string NewClusterVariable = "REMIT_K8S_NEW_CLUSTER";
    public const string TokenPathVariable = "REMIT_K8S_TOKEN_PATH";
    /// <summary>Set by Kubernetes in every pod; Akka.Discovery.KubernetesApi reads them itself (over https).</summary>
    public const string ApiHostVariable = "KUBERNETES_SERVICE_HOST";
    public const string ApiPortVariable = "KUBERNETES_SERVICE_PORT";

    /// <summary>Namespace whose pods are listed (the chart: the release's).</summary>
    public string Namespace { get; init; } = "";
    /// <summary>Equality-based label selector of the contact-point pods, e.g. <c>app.kubernetes.io/instance=run1,app.kubernetes.io/name=remit</c>.</summary>
    public string LabelSelector { get; init; } = "";
    /// <summary>
    /// The address the discovery reports for this pod: its IP (status.podIP). A node recognises itself among the
    /// discovered pods by it, which only the lowest-addressed pod needs in order to found a cluster.
    /// </summary>
    public string ManagementHostname { get; init; } = "";
    /// <summary>Port of this node's management endpoint (HTTP, read-only routes; the NetworkPolicy admits only the release's pods).</summary>
    public int ManagementPort { get; init; } = 8558;
    /// <summary>Name of the container port that carries <see cref="ManagementPort"/> in the pod spec; pods without it are not contact points.</summary>
    public string PortName { get; init; } = "management";
    /// <summary>Pods that must be found and answer before the lowest-addressed one may found a new cluster (every non-learner pod, in the chart).</summary>
    public int RequiredContactPoints { get; init; } = 2;
    /// <summary>Seconds the discovered pods must stay the same before a new cluster is founded.</summary>
    public double StableMarginS { get; init; } = 5;
    /// <summary>Whether a new cluster may be founded at all when no pod is in one (off: only join).</summary>
    public bool NewClusterEnabled { get; init; } = true;
    /// <summary>The service account token sent to the API server.</summary>
    public string TokenPath { get; init; } = "/var/run/secrets/kubernetes.io/serviceaccount/token";
    /// <summary>KUBERNETES_SERVICE_HOST as this process sees it (checked here; the discovery reads the variable itself).</summary>
    public string ApiHost { get; init; } = "";
    /// <summary>KUBERNETES_SERVICE_PORT as this process sees it.</summary>
    public string ApiPort { get; init; } = "";

    /// <summary>This record with every variable <paramref name="env"/> sets applied on top; a malformed number names its variable.</summary>
    public KubernetesDiscoveryOptions WithEnvironment(Func<string, string?> env)
    {
        var o = this;
        if (env(NamespaceVariable) is { Length: > 0 } ns) o = o with { Namespace = ns.Trim() };
        if (env(LabelSelectorVariable) is { Length: > 0 } selector) o = o with { LabelSelector = selector.Trim() };
        if (env(ManagementHostnameVariable) is { Length: > 0 } host) o = o with { ManagementHostname = host.Trim() };
        if (env(ManagementPortVariable) is { Length: > 0 } port) o = o with { ManagementPort = EnvironmentValues.Int(ManagementPortVariable, port) };
        if (env(PortNameVariable) is { Length: > 0 } name) o = o with { PortName = name.Trim() };
        if (env(RequiredContactPointsVariable) is { Length: > 0 } required) o = o with { RequiredContactPoints = EnvironmentValues.Int(RequiredContactPointsVariable, required) };
        if (env(StableMarginVariable) is { Length: > 0 } margin) o = o with { StableMarginS = EnvironmentValues.Seconds(StableMarginVariable, margin) };
        if (env(NewClusterVariable) is { Length: > 0 } fresh) o = o with { NewClusterEnabled = EnvironmentValues.Bool(NewClusterVariable, fresh) };
        if (env(TokenPathVariable) is { Length: > 0 } token) o = o with { TokenPath = token };
        if (env(ApiHostVariable) is { Length: > 0 } apiHost) o = o with { ApiHost = apiHost };
        if (env(ApiPortVariable) is { Length: > 0 } apiPort) o = o with { ApiPort = apiPort };
        return o;
    }

    /// <summary>Every problem, each naming its variable and what to set; <paramref name="ports"/> are the node's other ports (remoting, metrics).</summary>
    public IReadOnlyList<string> Validate(params int[] ports)
    {
        var e = new List<string>();
        if (string.IsNullOrWhiteSpace(Namespace))
            e.Add($"{NamespaceVariable} not set: the namespace whose pods are the cluster's contact points (the chart sets it from metadata.namespace).");
        else if (!DnsLabel().IsMatch(Namespace))
            e.Add($"{NamespaceVariable}='{Namespace}' is not a Kubernetes namespace name (lower-case letters, digits and '-').");
        if (string.IsNullOrWhiteSpace(LabelSelector))
            e.Add($"{LabelSelectorVariable} not set: the label selector of the release's pods, e.g. app.kubernetes.io/instance=my-run,app.kubernetes.io/name=remit.");
        else if (LabelSelector.IndexOfAny(['{', '}', ' ']) >= 0)
            e.Add($"{LabelSelectorVariable}='{LabelSelector}' may not contain braces or spaces; write it as key=value,key2=value2.");
        if (string.IsNullOrWhiteSpace(ManagementHostname))
            e.Add($"{ManagementHostnameVariable} not set: this pod's IP (status.podIP), by which the discovery reports it.");
        else if (!IPAddress.TryParse(ManagementHostname, out _))
            e.Add($"{ManagementHostnameVariable}='{ManagementHostname}' is not an IP address: set it to this pod's IP (status.podIP); the discovery reports pods by IP and a node recognises itself by it.");
        if (ManagementPort is < 1 or > 65535)
            e.Add($"{ManagementPortVariable}={ManagementPort} is not a TCP port (1-65535; the other pods must know it, so 0 is not allowed).");
        else if (ports.Contains(ManagementPort))
            e.Add($"{ManagementPortVariable}={ManagementPort} is also the node's remoting or metrics port; give the management endpoint its own port.");
        if (string.IsNullOrWhiteSpace(PortName))
            e.Add($"{PortNameVariable} is empty: the name of the management container port in the pod spec (default 'management').");
        if (RequiredContactPoints < 1)
            e.Add($"{RequiredContactPointsVariable}={RequiredContactPoints} must be at least 1.");
        if (!(StableMarginS > 0))
            e.Add($"{StableMarginVariable}={StableMarginS} must be a positive number of seconds.");
        if (string.IsNullOrWhiteSpace(ApiHost) || string.IsNullOrWhiteSpace(ApiPort))
            e.Add($"{ApiHostVariable} and {ApiPortVariable} not set: Kubernetes discovery asks the API server that Kubernetes names in every pod's environment; run the node in a pod, or use --discovery seeds.");
        else if (!int.TryParse(ApiPort, NumberStyles.Integer, CultureInfo.InvariantCulture, out int api) || api is < 1 or > 65535)
            e.Add($"{ApiPortVariable}='{ApiPort}' is not a TCP port.");
        if (!File.Exists(TokenPath))
            e.Add($"{TokenPathVariable}: the service account token {TokenPath} does not exist; mount it (automountServiceAccountToken: true) or name the file.");
        return e;
    }

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex DnsLabel();
}
