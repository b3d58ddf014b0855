using ReMiT.Cluster.Actors;

namespace ReMiT.Cluster.Tests.Actors;

public sealed class CoordinatorRegistrationTests
{
    // Hosts as a node's unique address prints them (address + incarnation uid).
    private const string Node1 = "akka.ssl.tcp://remit@10.0.0.1:4053#11", Node1Restarted = "akka.ssl.tcp://remit@10.0.0.1:4053#12", Node2 = "akka.ssl.tcp://remit@10.0.0.2:4053#21";

    [Fact]
    public void Due_UntilTheCoordinatorAnswers_EveryTick()
    {
        var registration = new CoordinatorRegistration<string>();
        Assert.True(registration.Due(null));
        Assert.True(registration.Due(Node1));
        Assert.True(registration.Answered(Node1));
        Assert.False(registration.Due(Node1));
    }

    [Fact]
    public void Due_SingletonMovedToAnotherNode_RegistersAgainOnce_AndTheAnswerIsAReregistration()
    {
        var registration = new CoordinatorRegistration<string>();
        registration.Answered(Node1);
        Assert.True(registration.Due(Node2));
        Assert.True(registration.Due(Node2)); // not answered yet: keep trying
        Assert.False(registration.Answered(Node2));
        Assert.Null(registration.Answered(Node2)); // a repeated answer changes nothing
        Assert.False(registration.Due(Node2));
    }

    [Fact]
    public void Due_CoordinatorRestartedOnTheSameAddress_IsANewIncarnation_RegistersAgain()
    {
        var registration = new CoordinatorRegistration<string>();
        registration.Answered(Node1);
        Assert.True(registration.Due(Node1Restarted));
    }

    [Fact]
    public void Due_NoCoordinatorUpForAWhile_WaitsWithoutRegistering()
    {
        var registration = new CoordinatorRegistration<string>();
        registration.Answered(Node1);
        Assert.False(registration.Due(null)); // the old one is gone and no new one is up yet: nothing to register with
        Assert.True(registration.Due(Node2));
    }

    [Fact]
    public void Due_AnsweredBeforeThisNodeSawTheSingleton_AdoptsTheFirstHostSeenWithoutRegisteringAgain()
    {
        var registration = new CoordinatorRegistration<string>();
        Assert.True(registration.Answered(null));
        Assert.False(registration.Due(Node1));
        Assert.True(registration.Due(Node2));
    }
}
