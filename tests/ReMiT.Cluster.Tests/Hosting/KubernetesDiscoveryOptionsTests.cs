using ReMiT.Cluster.Hosting;

namespace ReMiT.Cluster.Tests.Hosting;

/// <summary>
/// <c>REMIT_DISCOVERY=kubernetes</c>: the variables the Helm chart sets become Cluster Bootstrap and Kubernetes API
/// discovery settings, and every missing or malformed one is named before the node starts.
/// </summary>
public sealed class KubernetesDiscoveryOptionsTests : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly string _token;

    public KubernetesDiscoveryOptionsTests()
    {
        _token = Path.Combine(_dir.Path, "token");
        File.WriteAllText(_token, "t0ken");
    }

    public void Dispose() => _dir.Dispose();

    private static Func<string, string?> Env(params (string Key, string Value)[] vars) =>
        key => vars.FirstOrDefault(v => v.Key == key).Value;

    private (string, string)[] PodEnvironment() =>
    [
        ("REMIT_DISCOVERY", "kubernetes"), ("REMIT_K8S_NAMESPACE", "ml"),
        ("REMIT_K8S_LABEL_SELECTOR", "app.kubernetes.io/instance=run1,app.kubernetes.io/name=remit"),
        ("REMIT_MANAGEMENT_HOSTNAME", "10.1.2.3"), ("REMIT_MANAGEMENT_PORT", "8558"), ("REMIT_K8S_REQUIRED_CONTACT_POINTS", "5"),
        ("REMIT_K8S_STABLE_MARGIN_S", "7.5"), ("REMIT_K8S_NEW_CLUSTER", "false"), ("REMIT_K8S_TOKEN_PATH", _token),
        ("KUBERNETES_SERVICE_HOST", "10.0.0.1"), ("KUBERNETES_SERVICE_PORT", "443"), ("REMIT_INSECURE", "1"),
    ];

    [Fact]
    public void WithEnvironment_PodVariables_SelectKubernetesDiscoveryWithEverySetting()
    {
        var o = new NodeOptions { Roles = ["verifier"], RunDirectory = "x" }.WithEnvironment(Env(PodEnvironment()));
        Assert.Equal(ClusterDiscovery.Kubernetes, o.Discovery);
        var k = o.Kubernetes;
        Assert.Equal(("ml", "app.kubernetes.io/instance=run1,app.kubernetes.io/name=remit", "10.1.2.3", 8558, "management"),
                     (k.Namespace, k.LabelSelector, k.ManagementHostname, k.ManagementPort, k.PortName));
        Assert.Equal((5, 7.5, false, _token, "10.0.0.1", "443"),
                     (k.RequiredContactPoints, k.StableMarginS, k.NewClusterEnabled, k.TokenPath, k.ApiHost, k.ApiPort));
        Assert.Empty(o.Validate()); // a worker needs no seed nodes with kubernetes discovery
    }

    [Fact]
    public void AkkaConfig_Kubernetes_NoSeedsAndBootstrapListsTheLabelledPodsThroughTheApi()
    {
        var o = new NodeOptions { Roles = ["coordinator"], RunDirectory = "x" }.WithEnvironment(Env(PodEnvironment()));
        var config = ClusterNode.AkkaConfig(o);
        Assert.Empty(config.GetStringList("akka.cluster.seed-nodes")); // Cluster Bootstrap does nothing beside configured seeds
        Assert.Equal("kubernetes-api", config.GetString("akka.discovery.method"));
        Assert.Equal("ml", config.GetString("akka.discovery.kubernetes-api.pod-namespace"));
        Assert.Equal("app.kubernetes.io/instance=run1,app.kubernetes.io/name=remit", config.GetString("akka.discovery.kubernetes-api.pod-label-selector"));
        Assert.Equal(_token, config.GetString("akka.discovery.kubernetes-api.api-token-path"));
        Assert.Contains("KubernetesApiServiceDiscovery", config.GetString("akka.discovery.kubernetes-api.class")); // the library's defaults underneath
        Assert.Equal("10.1.2.3", config.GetString("akka.management.http.hostname"));
        Assert.Equal("0.0.0.0", config.GetString("akka.management.http.bind-hostname"));
        Assert.Equal(8558, config.GetInt("akka.management.http.port"));
        const string discovery = "akka.management.cluster.bootstrap.contact-point-discovery";
        Assert.Equal("management", config.GetString($"{discovery}.port-name"));
        Assert.Equal(5, config.GetInt($"{discovery}.required-contact-point-nr"));
        Assert.Equal(TimeSpan.FromSeconds(7.5), config.GetTimeSpan($"{discovery}.stable-margin"));
        Assert.True(config.GetBoolean($"{discovery}.contact-with-all-contact-points"));
        Assert.False(config.GetBoolean("akka.management.cluster.bootstrap.new-cluster-enabled"));
    }

    [Fact]
    public void AkkaConfig_Seeds_HasNoManagementEndpointOrDiscovery()
    {
        var config = ClusterNode.AkkaConfig(new NodeOptions { Roles = ["rollout"], RunDirectory = "x", SeedNodes = ["akka.tcp://remit@a:1"] });
        Assert.False(config.HasPath("akka.management.http.port"));
        Assert.False(config.HasPath("akka.discovery.method"));
    }

    [Fact]
    public void Validate_KubernetesWithNothingSet_NamesEveryVariable()
    {
        var o = new NodeOptions
        {
            Roles = ["rollout"], RunDirectory = "x", Insecure = true, Discovery = ClusterDiscovery.Kubernetes,
            Kubernetes = new KubernetesDiscoveryOptions { TokenPath = Path.Combine(_dir.Path, "missing") },
        };
        string problems = string.Join("\n", o.Validate());
        foreach (string variable in new[] { "REMIT_K8S_NAMESPACE not set", "REMIT_K8S_LABEL_SELECTOR not set", "REMIT_MANAGEMENT_HOSTNAME not set",
                                            "KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT not set", "REMIT_K8S_TOKEN_PATH" })
            Assert.Contains(variable, problems);
        Assert.DoesNotContain("--seed-nodes", problems);
    }

    [Theory]
    [InlineData("REMIT_K8S_NAMESPACE", "ML_Team", "is not a Kubernetes namespace name")]
    [InlineData("REMIT_K8S_LABEL_SELECTOR", "app={0}", "may not contain braces")]
    [InlineData("REMIT_MANAGEMENT_HOSTNAME", "pod-0.remit.ml.svc", "is not an IP address")]
    [InlineData("REMIT_MANAGEMENT_PORT", "4053", "also the node's remoting or metrics port")]
    [InlineData("REMIT_MANAGEMENT_PORT", "0", "is not a TCP port")]
    [InlineData("REMIT_K8S_REQUIRED_CONTACT_POINTS", "0", "must be at least 1")]
    [InlineData("KUBERNETES_SERVICE_PORT", "https", "is not a TCP port")]
    public void Validate_KubernetesBadValue_NamesTheVariable(string variable, string value, string expected)
    {
        var env = PodEnvironment().Where(v => v.Item1 != variable).Append((variable, value)).ToArray();
        var o = new NodeOptions { Roles = ["guide"], RunDirectory = "x", Port = 4053 }.WithEnvironment(Env(env));
        string problem = Assert.Single(o.Validate());
        Assert.Contains(variable, problem);
        Assert.Contains(expected, problem);
    }

    [Fact]
    public void Validate_KubernetesAndSeedNodes_RefusedAsExcludingEachOther()
    {
        var o = new NodeOptions { Roles = ["guide"], RunDirectory = "x", SeedNodes = ["akka.tcp://remit@a:1"] }.WithEnvironment(Env(PodEnvironment()));
        Assert.Contains("exclude each other", Assert.Single(o.Validate()));
    }

    [Theory]
    [InlineData("REMIT_DISCOVERY", "dns", "REMIT_DISCOVERY='dns': expected seeds")]
    [InlineData("REMIT_MANAGEMENT_PORT", "http", "REMIT_MANAGEMENT_PORT='http' is not an integer")]
    [InlineData("REMIT_K8S_STABLE_MARGIN_S", "5s", "REMIT_K8S_STABLE_MARGIN_S='5s' is not a number of seconds")]
    [InlineData("REMIT_K8S_NEW_CLUSTER", "maybe", "REMIT_K8S_NEW_CLUSTER='maybe': expected true or false")]
    public void WithEnvironment_MalformedValue_NamesTheVariable(string variable, string value, string expected)
    {
        var e = Assert.Throws<ArgumentException>(() => new NodeOptions().WithEnvironment(Env((variable, value))));
        Assert.Contains(expected, e.Message);
    }
}
