using System.Text;
using Microsoft.Extensions.Time.Testing;
using SensorAspire.EmbeddedKafka.Groups;
using SensorAspire.EmbeddedKafka.Protocol;

namespace SensorAspire.EmbeddedKafka.Tests.Groups;

/// <summary>
/// The classic group state machine on a fake clock: no broker, no sockets, no waiting. Timeouts are driven by
/// advancing <see cref="FakeTimeProvider"/>, which fires the coordinator's timers synchronously.
/// </summary>
public sealed class GroupCoordinatorTests : IDisposable
{
    private static readonly TimeSpan s_session = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan s_rebalance = TimeSpan.FromSeconds(30);

    private readonly FakeTimeProvider _time = new();
    private readonly HashSet<TopicPartitionKey> _existing = [new("orders", 0), new("orders", 1), new("audit", 0)];
    private readonly GroupCoordinator _coordinator;

    public GroupCoordinatorTests() =>
        _coordinator = new GroupCoordinator(
            new EmbeddedKafkaOptions { MinSessionTimeout = TimeSpan.FromMilliseconds(100) },
            new InMemoryCommittedOffsetStore(),
            _time,
            (topic, partition) => _existing.Contains(new TopicPartitionKey(topic, partition)));

    public void Dispose() => _coordinator.Dispose();

    [Fact]
    public async Task FirstMemberOfNewGroupBecomesLeaderOfGenerationOneWithoutDelay()
    {
        var joined = await Completed(_coordinator.JoinGroupAsync(Join("g")));

        Assert.Equal(KafkaErrorCode.None, joined.Error);
        Assert.Equal(1, joined.GenerationId);
        Assert.Equal("range", joined.ProtocolName);
        Assert.Equal("consumer", joined.ProtocolType);
        Assert.Equal(joined.MemberId, joined.LeaderId);
        Assert.StartsWith("client-", joined.MemberId, StringComparison.Ordinal);
        var member = Assert.Single(joined.Members);
        Assert.Equal([1, 2, 3], member.Metadata);
        Assert.Equal(nameof(ClassicGroupState.CompletingRebalance), _coordinator.DescribeGroup("g").State);
    }

    [Fact]
    public async Task JoinWithoutMemberIdIsToldItsIdFirstWhenKnownIdsAreRequired()
    {
        var first = await Completed(_coordinator.JoinGroupAsync(Join("g") with { RequireKnownMemberId = true }));
        Assert.Equal(KafkaErrorCode.MemberIdRequired, first.Error);
        Assert.NotEmpty(first.MemberId);
        Assert.Empty(_coordinator.DescribeGroup("g").Members);

        var second = await Completed(_coordinator.JoinGroupAsync(Join("g", first.MemberId) with { RequireKnownMemberId = true }));

        Assert.Equal(KafkaErrorCode.None, second.Error);
        Assert.Equal(first.MemberId, second.MemberId);
        Assert.Equal(1, second.GenerationId);
    }

    [Fact]
    public async Task PendingMemberThatNeverRejoinsIsForgottenAfterItsSessionTimeout()
    {
        var first = await Completed(_coordinator.JoinGroupAsync(Join("g") with { RequireKnownMemberId = true }));

        _time.Advance(s_session);
        var late = await Completed(_coordinator.JoinGroupAsync(Join("g", first.MemberId)));

        Assert.Equal(KafkaErrorCode.UnknownMemberId, late.Error);
    }

    [Fact]
    public async Task NewMemberTriggersRebalanceThatExistingMemberLearnsFromHeartbeat()
    {
        var a = await StableGroupOfOne("g");

        var bJoin = _coordinator.JoinGroupAsync(Join("g", clientId: "b"));
        Assert.False(bJoin.IsCompleted);
        Assert.Equal(KafkaErrorCode.RebalanceInProgress, _coordinator.Heartbeat("g", a.MemberId, a.GenerationId));
        var aJoin = _coordinator.JoinGroupAsync(Join("g", a.MemberId));

        var (aJoined, bJoined) = (await Completed(aJoin), await Completed(bJoin));
        Assert.Equal(2, aJoined.GenerationId);
        Assert.Equal(2, bJoined.GenerationId);
        Assert.Equal(a.MemberId, aJoined.LeaderId);
        Assert.Equal(a.MemberId, bJoined.LeaderId);
        Assert.Equal([a.MemberId, bJoined.MemberId], aJoined.Members.Select(member => member.MemberId));
        Assert.Empty(bJoined.Members);
    }

    [Fact]
    public async Task FollowersWaitInSyncUntilTheLeaderSendsAssignments()
    {
        var (leader, follower) = await RebalancedGroupOfTwo("g");

        var followerSync = _coordinator.SyncGroupAsync(Sync("g", follower));
        Assert.False(followerSync.IsCompleted);
        var leaderSync = await Completed(_coordinator.SyncGroupAsync(Sync("g", leader, new MemberAssignment(leader.MemberId, [7]))));

        Assert.Equal([7], leaderSync.Assignment);
        var followerAssignment = await Completed(followerSync);
        Assert.Equal(KafkaErrorCode.None, followerAssignment.Error);
        Assert.Empty(followerAssignment.Assignment);
        Assert.Equal(nameof(ClassicGroupState.Stable), _coordinator.DescribeGroup("g").State);
        Assert.Equal(KafkaErrorCode.None, _coordinator.Heartbeat("g", follower.MemberId, follower.GenerationId));
    }

    [Fact]
    public async Task SyncAfterTheLeaderAnswersWithTheStoredAssignment()
    {
        var (leader, follower) = await RebalancedGroupOfTwo("g");
        await Completed(_coordinator.SyncGroupAsync(Sync("g", leader,
            new MemberAssignment(leader.MemberId, [1]), new MemberAssignment(follower.MemberId, [2]))));

        var synced = await Completed(_coordinator.SyncGroupAsync(Sync("g", follower)));

        Assert.Equal([2], synced.Assignment);
        Assert.Equal("range", synced.ProtocolName);
    }

    [Fact]
    public async Task ProtocolIsChosenByMajorityVoteAmongProtocolsEveryMemberSupports()
    {
        var a = await StableGroupOfOne("g", Protocols("range", "roundrobin"));
        var b = _coordinator.JoinGroupAsync(Join("g", protocols: Protocols("roundrobin", "range", "sticky")));
        var c = _coordinator.JoinGroupAsync(Join("g", protocols: Protocols("sticky", "roundrobin", "range")));
        var aRejoin = _coordinator.JoinGroupAsync(Join("g", a.MemberId, protocols: Protocols("range", "roundrobin")));

        var joined = await Completed(aRejoin);
        await Completed(b);
        await Completed(c);

        // sticky is not supported by the leader; of the rest, b and c prefer roundrobin, outvoting the leader's range.
        Assert.Equal("roundrobin", joined.ProtocolName);
        Assert.All(joined.Members, member => Assert.Equal("roundrobin"u8.ToArray(), member.Metadata));
    }

    [Fact]
    public async Task MemberWithNoProtocolInCommonIsRejected()
    {
        await StableGroupOfOne("g");

        var rejected = await Completed(_coordinator.JoinGroupAsync(Join("g", protocols: Protocols("cooperative-sticky"))));
        var otherType = await Completed(_coordinator.JoinGroupAsync(Join("g") with { ProtocolType = "connect" }));

        Assert.Equal(KafkaErrorCode.InconsistentGroupProtocol, rejected.Error);
        Assert.Equal(KafkaErrorCode.InconsistentGroupProtocol, otherType.Error);
        Assert.Equal(nameof(ClassicGroupState.Stable), _coordinator.DescribeGroup("g").State);
    }

    [Fact]
    public async Task FollowerRejoiningWithSameSubscriptionGetsCurrentGenerationWithoutRebalance()
    {
        var (leader, follower) = await StableGroupOfTwo("g");

        var rejoined = await Completed(_coordinator.JoinGroupAsync(Join("g", follower.MemberId)));

        Assert.Equal(follower.GenerationId, rejoined.GenerationId);
        Assert.Equal(KafkaErrorCode.None, _coordinator.Heartbeat("g", leader.MemberId, leader.GenerationId));
    }

    [Fact]
    public async Task MemberRepeatingItsJoinWhileAwaitingSyncGetsTheSameGenerationAgain()
    {
        var (leader, follower) = await RebalancedGroupOfTwo("g");

        var repeated = await Completed(_coordinator.JoinGroupAsync(Join("g", leader.MemberId)));

        Assert.Equal(leader.GenerationId, repeated.GenerationId);
        Assert.Equal(leader.Members.Select(member => member.MemberId), repeated.Members.Select(member => member.MemberId));
        Assert.Equal(KafkaErrorCode.None, _coordinator.Heartbeat("g", follower.MemberId, follower.GenerationId));
    }

    [Fact]
    public async Task NewSubscriptionWhileAwaitingSyncRestartsTheRebalance()
    {
        var (leader, follower) = await RebalancedGroupOfTwo("g");
        var parkedSync = _coordinator.SyncGroupAsync(Sync("g", follower));

        var leaderRejoin = _coordinator.JoinGroupAsync(Join("g", leader.MemberId, protocols: Protocols("roundrobin")));

        Assert.Equal(KafkaErrorCode.RebalanceInProgress, (await Completed(parkedSync)).Error);
        Assert.False(leaderRejoin.IsCompleted);
        var followerRejoin = await Completed(_coordinator.JoinGroupAsync(Join("g", follower.MemberId)));
        Assert.Equal("roundrobin", followerRejoin.ProtocolName);
        Assert.Equal(leader.GenerationId + 1, (await Completed(leaderRejoin)).GenerationId);
    }

    [Fact]
    public async Task LeaderRejoiningTriggersRebalance()
    {
        var (leader, follower) = await StableGroupOfTwo("g");

        var rejoin = _coordinator.JoinGroupAsync(Join("g", leader.MemberId));

        Assert.False(rejoin.IsCompleted);
        Assert.Equal(KafkaErrorCode.RebalanceInProgress, _coordinator.Heartbeat("g", follower.MemberId, follower.GenerationId));
    }

    [Fact]
    public async Task HeartbeatRejectsUnknownMembersAndOldGenerations()
    {
        var a = await StableGroupOfOne("g");

        Assert.Equal(KafkaErrorCode.UnknownMemberId, _coordinator.Heartbeat("g", "nobody", a.GenerationId));
        Assert.Equal(KafkaErrorCode.UnknownMemberId, _coordinator.Heartbeat("missing", a.MemberId, a.GenerationId));
        Assert.Equal(KafkaErrorCode.IllegalGeneration, _coordinator.Heartbeat("g", a.MemberId, a.GenerationId - 1));
        Assert.Equal(KafkaErrorCode.InvalidGroupId, _coordinator.Heartbeat("", a.MemberId, a.GenerationId));
    }

    [Fact]
    public async Task SilentMemberIsRemovedWhenItsSessionExpiresAndOthersRebalanceWithoutIt()
    {
        var (leader, follower) = await StableGroupOfTwo("g");

        // The leader heartbeats every 4 s; the follower stays silent past its 10 s session.
        for (var i = 0; i < 3; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(4));
            if (_coordinator.Heartbeat("g", leader.MemberId, leader.GenerationId) == KafkaErrorCode.RebalanceInProgress)
            {
                break;
            }
        }

        Assert.Equal(KafkaErrorCode.RebalanceInProgress, _coordinator.Heartbeat("g", leader.MemberId, leader.GenerationId));
        Assert.Equal(KafkaErrorCode.UnknownMemberId, _coordinator.Heartbeat("g", follower.MemberId, follower.GenerationId));
        var rejoined = await Completed(_coordinator.JoinGroupAsync(Join("g", leader.MemberId)));
        Assert.Equal(leader.GenerationId + 1, rejoined.GenerationId);
        Assert.Equal([leader.MemberId], rejoined.Members.Select(member => member.MemberId));
    }

    [Fact]
    public async Task HeartbeatsKeepAMemberAliveBeyondItsSessionTimeout()
    {
        var a = await StableGroupOfOne("g");

        for (var i = 0; i < 10; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(5));
            Assert.Equal(KafkaErrorCode.None, _coordinator.Heartbeat("g", a.MemberId, a.GenerationId));
        }

        Assert.Single(_coordinator.DescribeGroup("g").Members);
    }

    [Fact]
    public async Task RebalanceTimeoutDropsMembersThatDidNotRejoin()
    {
        var (leader, follower) = await StableGroupOfTwo("g", session: TimeSpan.FromMinutes(5));
        var newcomer = _coordinator.JoinGroupAsync(Join("g", clientId: "c"));
        var leaderRejoin = _coordinator.JoinGroupAsync(Join("g", leader.MemberId));

        // The follower keeps heartbeating but ignores REBALANCE_IN_PROGRESS; its session never lapses.
        _time.Advance(s_rebalance - TimeSpan.FromSeconds(1));
        Assert.Equal(KafkaErrorCode.RebalanceInProgress, _coordinator.Heartbeat("g", follower.MemberId, follower.GenerationId));
        Assert.False(leaderRejoin.IsCompleted);
        _time.Advance(TimeSpan.FromSeconds(1));

        var joined = await Completed(leaderRejoin);
        Assert.Equal(2, joined.Members.Count);
        Assert.DoesNotContain(follower.MemberId, joined.Members.Select(member => member.MemberId));
        Assert.Equal(KafkaErrorCode.None, (await Completed(newcomer)).Error);
    }

    [Fact]
    public async Task LeaderThatNeverSyncsIsRemovedAndParkedFollowersAreToldToRejoin()
    {
        // Sessions longer than the rebalance timeout, so it is the pending-sync timeout that removes the leader.
        var (leader, follower) = await RebalancedGroupOfTwo("g", session: TimeSpan.FromMinutes(5));
        var followerSync = _coordinator.SyncGroupAsync(Sync("g", follower));

        _time.Advance(s_rebalance);

        Assert.Equal(KafkaErrorCode.RebalanceInProgress, (await Completed(followerSync)).Error);
        Assert.Equal(KafkaErrorCode.UnknownMemberId, _coordinator.Heartbeat("g", leader.MemberId, leader.GenerationId));
        var rejoined = await Completed(_coordinator.JoinGroupAsync(Join("g", follower.MemberId)));
        Assert.Equal(follower.MemberId, rejoined.LeaderId);
    }

    [Fact]
    public async Task MemberLeavingMovesGroupToRebalanceAndLeadershipToARemainingMember()
    {
        var (leader, follower) = await StableGroupOfTwo("g");

        var left = Assert.Single(_coordinator.LeaveGroup("g", [new LeavingMember(leader.MemberId, null)]));

        Assert.Equal(KafkaErrorCode.None, left.Error);
        Assert.Equal(KafkaErrorCode.RebalanceInProgress, _coordinator.Heartbeat("g", follower.MemberId, follower.GenerationId));
        var rejoined = await Completed(_coordinator.JoinGroupAsync(Join("g", follower.MemberId)));
        Assert.Equal(follower.MemberId, rejoined.LeaderId);
        Assert.Equal(follower.GenerationId + 1, rejoined.GenerationId);
    }

    [Fact]
    public async Task LastMemberLeavingLeavesAnEmptyGroupAtTheNextGeneration()
    {
        var a = await StableGroupOfOne("g");

        _coordinator.LeaveGroup("g", [new LeavingMember(a.MemberId, null)]);

        var described = _coordinator.DescribeGroup("g");
        Assert.Equal(nameof(ClassicGroupState.Empty), described.State);
        Assert.Equal("consumer", described.ProtocolType);
        Assert.Empty(described.Members);
        Assert.Equal(KafkaErrorCode.UnknownMemberId, _coordinator.Heartbeat("g", a.MemberId, a.GenerationId));
        Assert.Equal(3, (await Completed(_coordinator.JoinGroupAsync(Join("g")))).GenerationId);
    }

    [Fact]
    public void LeavingUnknownMemberOrGroupIsReportedPerMember()
    {
        var results = _coordinator.LeaveGroup("missing", [new LeavingMember("x", null), new LeavingMember("y", null)]);

        Assert.All(results, result => Assert.Equal(KafkaErrorCode.UnknownMemberId, result.Error));
        Assert.Equal(["x", "y"], results.Select(result => result.MemberId));
    }

    [Fact]
    public async Task JoinValidatesGroupIdSessionTimeoutAndMemberId()
    {
        Assert.Equal(KafkaErrorCode.InvalidGroupId, (await Completed(_coordinator.JoinGroupAsync(Join("")))).Error);
        Assert.Equal(KafkaErrorCode.InvalidSessionTimeout,
            (await Completed(_coordinator.JoinGroupAsync(Join("g", session: TimeSpan.FromMilliseconds(99))))).Error);
        Assert.Equal(KafkaErrorCode.InvalidSessionTimeout,
            (await Completed(_coordinator.JoinGroupAsync(Join("g", session: TimeSpan.FromMinutes(31))))).Error);
        Assert.Equal(KafkaErrorCode.UnknownMemberId, (await Completed(_coordinator.JoinGroupAsync(Join("other", "stale")))).Error);
    }

    [Fact]
    public async Task NewStaticMemberJoinsAtOnceWithoutBeingToldItsIdFirst()
    {
        var joined = await Completed(_coordinator.JoinGroupAsync(StaticJoin("g", "instance-a") with { RequireKnownMemberId = true }));

        Assert.Equal(KafkaErrorCode.None, joined.Error);
        Assert.Equal(1, joined.GenerationId);
        Assert.StartsWith("instance-a-", joined.MemberId, StringComparison.Ordinal);
        Assert.Equal("instance-a", Assert.Single(joined.Members).GroupInstanceId);
        Assert.Equal("instance-a", Assert.Single(_coordinator.DescribeGroup("g").Members).GroupInstanceId);
    }

    [Fact]
    public async Task RestartedStaticFollowerTakesItsPlaceAndAssignmentBackWithoutARebalance()
    {
        var (leader, follower) = await StableStaticGroupOfTwo("g");

        // The follower's process restarted: it joins with its instance id and no member id.
        var rejoined = await Completed(_coordinator.JoinGroupAsync(StaticJoin("g", "b", clientId: "b")));
        var synced = await Completed(_coordinator.SyncGroupAsync(Sync("g", rejoined) with { GroupInstanceId = "b" }));

        Assert.Equal(KafkaErrorCode.None, rejoined.Error);
        Assert.NotEqual(follower.MemberId, rejoined.MemberId);
        Assert.Equal(follower.GenerationId, rejoined.GenerationId);
        Assert.Equal(leader.MemberId, rejoined.LeaderId);
        Assert.Empty(rejoined.Members);
        Assert.Equal(KafkaErrorCode.None, synced.Error);
        Assert.Equal([2], synced.Assignment);
        Assert.Equal(KafkaErrorCode.None, _coordinator.Heartbeat("g", leader.MemberId, leader.GenerationId, "a"));
        var described = _coordinator.DescribeGroup("g");
        Assert.Equal(nameof(ClassicGroupState.Stable), described.State);
        Assert.Equal([leader.MemberId, rejoined.MemberId], described.Members.Select(member => member.MemberId));
    }

    [Fact]
    public async Task RestartedStaticLeaderIsAnsweredAsAFollowerAndGetsItsPreviousAssignment()
    {
        var (leader, follower) = await StableStaticGroupOfTwo("g");

        var rejoined = await Completed(_coordinator.JoinGroupAsync(StaticJoin("g", "a")));
        var synced = await Completed(_coordinator.SyncGroupAsync(Sync("g", rejoined) with { GroupInstanceId = "a" }));

        // The answer names the leader's old id, so the restarted leader does not run an assignment (JoinGroup < v9).
        Assert.Equal(leader.MemberId, rejoined.LeaderId);
        Assert.NotEqual(rejoined.MemberId, rejoined.LeaderId);
        Assert.Empty(rejoined.Members);
        Assert.Equal(leader.GenerationId, rejoined.GenerationId);
        Assert.Equal([1], synced.Assignment);
        Assert.Equal(KafkaErrorCode.None, _coordinator.Heartbeat("g", follower.MemberId, follower.GenerationId, "b"));

        // The group itself now knows the new id as its leader: a rejoin with it rebalances, as a leader's rejoin does.
        var leaderRejoin = _coordinator.JoinGroupAsync(Join("g", rejoined.MemberId) with { GroupInstanceId = "a" });
        Assert.Equal(KafkaErrorCode.RebalanceInProgress, _coordinator.Heartbeat("g", follower.MemberId, follower.GenerationId, "b"));
        var followerRejoin = await Completed(_coordinator.JoinGroupAsync(Join("g", follower.MemberId) with { GroupInstanceId = "b" }));
        Assert.Equal(rejoined.MemberId, followerRejoin.LeaderId);
        Assert.Equal(rejoined.MemberId, (await Completed(leaderRejoin)).LeaderId);
    }

    [Fact]
    public async Task ReplacedStaticMemberIdIsFencedEverywhere()
    {
        var (leader, follower) = await StableStaticGroupOfTwo("g");
        var rejoined = await Completed(_coordinator.JoinGroupAsync(StaticJoin("g", "b", clientId: "b")));
        var offset = new PartitionCommit("orders", 0, 10, -1, null);

        Assert.Equal(KafkaErrorCode.FencedInstanceId, _coordinator.Heartbeat("g", follower.MemberId, follower.GenerationId, "b"));
        Assert.Equal(KafkaErrorCode.FencedInstanceId,
            (await Completed(_coordinator.SyncGroupAsync(Sync("g", follower) with { GroupInstanceId = "b" }))).Error);
        Assert.Equal(KafkaErrorCode.FencedInstanceId,
            Assert.Single(_coordinator.CommitOffsets(MemberCommit("g", follower, offset) with { GroupInstanceId = "b" })));
        Assert.Equal(KafkaErrorCode.FencedInstanceId,
            (await Completed(_coordinator.JoinGroupAsync(Join("g", follower.MemberId) with { GroupInstanceId = "b" }))).Error);
        Assert.Equal(KafkaErrorCode.FencedInstanceId,
            Assert.Single(_coordinator.LeaveGroup("g", [new LeavingMember(follower.MemberId, "b")])).Error);

        // Without its instance id the old id is simply unknown; the new id works, and nothing rebalanced.
        Assert.Equal(KafkaErrorCode.UnknownMemberId, _coordinator.Heartbeat("g", follower.MemberId, follower.GenerationId));
        Assert.Equal(KafkaErrorCode.None,
            Assert.Single(_coordinator.CommitOffsets(MemberCommit("g", rejoined, offset) with { GroupInstanceId = "b" })));
        Assert.Equal(KafkaErrorCode.None, _coordinator.Heartbeat("g", leader.MemberId, leader.GenerationId, "a"));
    }

    [Fact]
    public async Task StaticMemberReplacedWhileAwaitingSyncIsFencedAndTheGroupRebalances()
    {
        var (leader, follower) = await RebalancedStaticGroupOfTwo("g");
        var parkedSync = _coordinator.SyncGroupAsync(Sync("g", follower) with { GroupInstanceId = "b" });

        // The leader may already be assigning to the old id, so Kafka rebalances rather than hand the new id nothing.
        var replacement = _coordinator.JoinGroupAsync(StaticJoin("g", "b", clientId: "b"));

        Assert.Equal(KafkaErrorCode.FencedInstanceId, (await Completed(parkedSync)).Error);
        Assert.False(replacement.IsCompleted);
        var leaderRejoin = await Completed(_coordinator.JoinGroupAsync(Join("g", leader.MemberId) with { GroupInstanceId = "a" }));
        var joined = await Completed(replacement);
        Assert.Equal(leader.GenerationId + 1, joined.GenerationId);
        Assert.Equal(
            [(leader.MemberId, "a"), (joined.MemberId, "b")],
            leaderRejoin.Members.Select(member => (member.MemberId, member.GroupInstanceId)));
    }

    [Fact]
    public async Task StaticMemberRejoiningWithAProtocolTheGroupWouldSwitchToRebalances()
    {
        var a = await Completed(_coordinator.JoinGroupAsync(StaticJoin("g", "a")));
        await Completed(_coordinator.SyncGroupAsync(Sync("g", a, new MemberAssignment(a.MemberId, [1])) with { GroupInstanceId = "a" }));

        var rejoined = await Completed(_coordinator.JoinGroupAsync(StaticJoin("g", "a", protocols: Protocols("roundrobin"))));

        Assert.Equal(a.GenerationId + 1, rejoined.GenerationId);
        Assert.Equal("roundrobin", rejoined.ProtocolName);
        Assert.Equal(rejoined.MemberId, rejoined.LeaderId);
    }

    [Fact]
    public async Task StaticMemberThatStopsHeartbeatingIsRemovedWhenItsSessionExpires()
    {
        var (leader, follower) = await StableStaticGroupOfTwo("g");

        // A static member that closed sends no LeaveGroup; only the expiry of its 10 s session removes it.
        for (var i = 0; i < 3; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(4));
            _coordinator.Heartbeat("g", leader.MemberId, leader.GenerationId, "a");
        }

        Assert.Equal(KafkaErrorCode.RebalanceInProgress, _coordinator.Heartbeat("g", leader.MemberId, leader.GenerationId, "a"));
        Assert.Equal(KafkaErrorCode.UnknownMemberId, _coordinator.Heartbeat("g", follower.MemberId, follower.GenerationId, "b"));
        var rejoined = await Completed(_coordinator.JoinGroupAsync(Join("g", leader.MemberId) with { GroupInstanceId = "a" }));
        Assert.Equal([leader.MemberId], rejoined.Members.Select(member => member.MemberId));

        // The instance id is free again: the next join with it is a new member and rebalances.
        var returning = _coordinator.JoinGroupAsync(StaticJoin("g", "b", clientId: "b"));
        Assert.False(returning.IsCompleted);
    }

    [Fact]
    public async Task StaticMemberThatDoesNotRejoinARebalanceStaysInTheGroup()
    {
        var (leader, follower) = await StableStaticGroupOfTwo("g", session: TimeSpan.FromMinutes(5));
        var newcomer = _coordinator.JoinGroupAsync(Join("g", clientId: "c"));
        var leaderRejoin = _coordinator.JoinGroupAsync(Join("g", leader.MemberId) with { GroupInstanceId = "a" });

        _time.Advance(s_rebalance);

        // A dynamic member would be dropped here (RebalanceTimeoutDropsMembersThatDidNotRejoin); a static one stays.
        var joined = await Completed(leaderRejoin);
        Assert.Equal(KafkaErrorCode.None, (await Completed(newcomer)).Error);
        Assert.Equal(3, joined.Members.Count);
        Assert.Contains(follower.MemberId, joined.Members.Select(member => member.MemberId));
        Assert.Equal(KafkaErrorCode.IllegalGeneration, _coordinator.Heartbeat("g", follower.MemberId, follower.GenerationId, "b"));
    }

    [Fact]
    public async Task JoinPhaseThatNoMemberRejoinsWaitsAnotherRebalanceTimeoutForStaticMembers()
    {
        var (leader, follower) = await StableStaticGroupOfTwo("g", session: TimeSpan.FromMinutes(5));
        var newcomer = _coordinator.JoinGroupAsync(Join("g", clientId: "c"));
        _coordinator.LeaveGroup("g", [new LeavingMember(MemberIdOf("g", clientId: "c"), null)]);
        Assert.Equal(KafkaErrorCode.UnknownMemberId, (await Completed(newcomer)).Error);

        _time.Advance(s_rebalance);

        Assert.Equal(nameof(ClassicGroupState.PreparingRebalance), _coordinator.DescribeGroup("g").State);
        var followerRejoin = _coordinator.JoinGroupAsync(Join("g", follower.MemberId) with { GroupInstanceId = "b" });
        Assert.False(followerRejoin.IsCompleted);
        _time.Advance(s_rebalance);

        // The follower is the only one that came back, so it leads the next generation; the silent leader stays.
        var joined = await Completed(followerRejoin);
        Assert.Equal(follower.MemberId, joined.LeaderId);
        Assert.Equal([leader.MemberId, follower.MemberId], joined.Members.Select(member => member.MemberId));
    }

    [Fact]
    public async Task LeaveByInstanceIdAloneRemovesTheStaticMemberAndReportsUnknownInstances()
    {
        var (leader, follower) = await StableStaticGroupOfTwo("g");

        var results = _coordinator.LeaveGroup("g", [new LeavingMember("", "b"), new LeavingMember("", "nobody"), new LeavingMember("", null)]);

        Assert.Equal(
            [("", "b", KafkaErrorCode.None), ("", "nobody", KafkaErrorCode.UnknownMemberId), ("", null, KafkaErrorCode.UnknownMemberId)],
            results.Select(result => (result.MemberId, result.GroupInstanceId, result.Error)));
        Assert.Equal(KafkaErrorCode.RebalanceInProgress, _coordinator.Heartbeat("g", leader.MemberId, leader.GenerationId, "a"));
        var rejoined = await Completed(_coordinator.JoinGroupAsync(Join("g", leader.MemberId) with { GroupInstanceId = "a" }));
        Assert.Equal([leader.MemberId], rejoined.Members.Select(member => member.MemberId));
        Assert.Equal(KafkaErrorCode.UnknownMemberId, _coordinator.Heartbeat("g", follower.MemberId, rejoined.GenerationId, "b"));
    }

    [Fact]
    public async Task SyncRejectsWrongGenerationProtocolAndRebalancingGroup()
    {
        var (leader, follower) = await RebalancedGroupOfTwo("g");

        Assert.Equal(KafkaErrorCode.IllegalGeneration,
            (await Completed(_coordinator.SyncGroupAsync(Sync("g", leader) with { GenerationId = 1 }))).Error);
        Assert.Equal(KafkaErrorCode.InconsistentGroupProtocol,
            (await Completed(_coordinator.SyncGroupAsync(Sync("g", leader) with { ProtocolName = "roundrobin" }))).Error);
        Assert.Equal(KafkaErrorCode.UnknownMemberId,
            (await Completed(_coordinator.SyncGroupAsync(Sync("g", leader) with { MemberId = "nobody" }))).Error);

        var followerSync = _coordinator.SyncGroupAsync(Sync("g", follower));
        var newcomer = _coordinator.JoinGroupAsync(Join("g", clientId: "c"));

        Assert.Equal(KafkaErrorCode.RebalanceInProgress, (await Completed(followerSync)).Error);
        Assert.Equal(KafkaErrorCode.RebalanceInProgress,
            (await Completed(_coordinator.SyncGroupAsync(Sync("g", leader)))).Error);
        Assert.False(newcomer.IsCompleted);
    }

    [Fact]
    public async Task DescribeShowsMembersBytesOnlyOnceStable()
    {
        var (leader, follower) = await RebalancedGroupOfTwo("g");

        var completing = _coordinator.DescribeGroup("g");
        Assert.Equal("", completing.ProtocolData);
        Assert.All(completing.Members, member => Assert.Empty(member.Metadata));

        await Completed(_coordinator.SyncGroupAsync(Sync("g", leader,
            new MemberAssignment(leader.MemberId, [9]), new MemberAssignment(follower.MemberId, [8]))));
        var stable = _coordinator.DescribeGroup("g");

        Assert.Equal(nameof(ClassicGroupState.Stable), stable.State);
        Assert.Equal("range", stable.ProtocolData);
        Assert.Equal("consumer", stable.ProtocolType);
        var described = stable.Members.Single(member => member.MemberId == follower.MemberId);
        Assert.Equal("b", described.ClientId);
        Assert.Equal("/127.0.0.1", described.ClientHost);
        Assert.Equal([1, 2, 3], described.Metadata);
        Assert.Equal([8], described.Assignment);
    }

    [Fact]
    public void UnknownGroupIsDescribedAsDeadWithoutMembers()
    {
        var described = _coordinator.DescribeGroup("never-seen");

        Assert.Equal(nameof(ClassicGroupState.Dead), described.State);
        Assert.Empty(described.Members);
        Assert.Equal("", described.ProtocolType);
    }

    [Fact]
    public async Task ListGroupsFiltersByStateAndType()
    {
        await StableGroupOfOne("stable");
        _coordinator.CommitOffsets(SimpleCommit("offsets-only", new PartitionCommit("orders", 0, 5, -1, null)));

        var all = _coordinator.ListGroups([], []);
        var empty = _coordinator.ListGroups(["empty"], []);
        var consumer = _coordinator.ListGroups([], ["consumer"]);

        Assert.Equal(["offsets-only", "stable"], all.Select(group => group.GroupId));
        Assert.Equal(new GroupListing("offsets-only", "", "Empty", "classic"), Assert.Single(empty));
        Assert.Empty(consumer);
        Assert.Equal("consumer", all.Single(group => group.GroupId == "stable").ProtocolType);
    }

    [Fact]
    public void SimpleCommitCreatesAnEmptyGroupAndRoundTripsMetadataExactly()
    {
        var errors = _coordinator.CommitOffsets(SimpleCommit("g",
            new PartitionCommit("orders", 0, 42, 3, "checkpoint ✓ \"quoted\""),
            new PartitionCommit("orders", 1, 7, -1, null),
            new PartitionCommit("audit", 0, 0, -1, "")));

        Assert.All(errors, error => Assert.Equal(KafkaErrorCode.None, error));
        Assert.Equal(nameof(ClassicGroupState.Empty), _coordinator.DescribeGroup("g").State);
        Assert.Equal(
            [
                new FetchedOffset("audit", 0, 0, -1, ""),
                new FetchedOffset("orders", 0, 42, 3, "checkpoint ✓ \"quoted\""),
                new FetchedOffset("orders", 1, 7, -1, null),
            ],
            _coordinator.FetchOffsets("g", null));
    }

    [Fact]
    public void FetchingUncommittedPartitionsOfAnyGroupAnswersMinusOne()
    {
        _coordinator.CommitOffsets(SimpleCommit("g", new PartitionCommit("orders", 0, 42, -1, "m")));

        var fetched = _coordinator.FetchOffsets("g", [new("orders", 0), new("orders", 1)]);
        var unknownGroup = _coordinator.FetchOffsets("nobody", [new("orders", 0)]);

        Assert.Equal([new FetchedOffset("orders", 0, 42, -1, "m"), new FetchedOffset("orders", 1, -1, -1, "")], fetched);
        Assert.Equal([new FetchedOffset("orders", 0, -1, -1, "")], unknownGroup);
        Assert.Empty(_coordinator.FetchOffsets("nobody", null));
    }

    [Fact]
    public void CommitReportsUnknownPartitionsAndOversizedMetadataPerPartition()
    {
        var errors = _coordinator.CommitOffsets(SimpleCommit("g",
            new PartitionCommit("orders", 0, 1, -1, null),
            new PartitionCommit("orders", 9, 1, -1, null),
            new PartitionCommit("missing", 0, 1, -1, null),
            new PartitionCommit("orders", 1, 1, -1, new string('x', ClassicGroup.MaxOffsetMetadataLength + 1))));

        Assert.Equal(
            [KafkaErrorCode.None, KafkaErrorCode.UnknownTopicOrPartition, KafkaErrorCode.UnknownTopicOrPartition, KafkaErrorCode.OffsetMetadataTooLarge],
            errors);
        Assert.Equal([new TopicPartitionKey("orders", 0)], _coordinator.Offsets.GetAll("g").Select(entry => entry.Key));
    }

    [Fact]
    public async Task MemberCommitsAreCheckedAgainstMembershipGenerationAndState()
    {
        var a = await StableGroupOfOne("g");
        var offset = new PartitionCommit("orders", 0, 10, -1, null);

        Assert.Equal(KafkaErrorCode.None, Assert.Single(_coordinator.CommitOffsets(MemberCommit("g", a, offset))));
        Assert.Equal(KafkaErrorCode.UnknownMemberId, Assert.Single(_coordinator.CommitOffsets(SimpleCommit("g", offset))));
        Assert.Equal(KafkaErrorCode.IllegalGeneration,
            Assert.Single(_coordinator.CommitOffsets(MemberCommit("g", a, offset) with { GenerationId = 7 })));
        Assert.Equal(KafkaErrorCode.UnknownMemberId,
            Assert.Single(_coordinator.CommitOffsets(MemberCommit("g", a, offset) with { MemberId = "nobody" })));
        Assert.Equal(KafkaErrorCode.IllegalGeneration,
            Assert.Single(_coordinator.CommitOffsets(MemberCommit("missing", a, offset))));

        // While a rebalance is being prepared the old generation may still commit what it processed.
        var newcomer = _coordinator.JoinGroupAsync(Join("g", clientId: "b"));
        Assert.Equal(KafkaErrorCode.None, Assert.Single(_coordinator.CommitOffsets(MemberCommit("g", a, offset with { Offset = 11 }))));

        var rejoined = await Completed(_coordinator.JoinGroupAsync(Join("g", a.MemberId)));
        await Completed(newcomer);
        Assert.Equal(KafkaErrorCode.RebalanceInProgress,
            Assert.Single(_coordinator.CommitOffsets(MemberCommit("g", rejoined, offset with { Offset = 12 }))));
        Assert.Equal(11, Assert.Single(_coordinator.FetchOffsets("g", [new("orders", 0)])).Offset);
    }

    [Fact]
    public void DeletingATopicForgetsItsOffsetsInEveryGroup()
    {
        _coordinator.CommitOffsets(SimpleCommit("g1", new PartitionCommit("orders", 0, 1, -1, null), new PartitionCommit("audit", 0, 2, -1, null)));
        _coordinator.CommitOffsets(SimpleCommit("g2", new PartitionCommit("orders", 1, 3, -1, null)));

        _coordinator.OnTopicDeleted("orders");

        Assert.Equal([new FetchedOffset("audit", 0, 2, -1, null)], _coordinator.FetchOffsets("g1", null));
        Assert.Empty(_coordinator.FetchOffsets("g2", null));
        Assert.Equal(-1, Assert.Single(_coordinator.FetchOffsets("g2", [new("orders", 1)])).Offset);
    }

    [Fact]
    public async Task DisposingAnswersParkedRequestsSoShutdownNeverHangs()
    {
        var a = await StableGroupOfOne("g");
        var parked = _coordinator.JoinGroupAsync(Join("g", clientId: "b"));

        _coordinator.Dispose();

        Assert.Equal(KafkaErrorCode.CoordinatorNotAvailable, (await Completed(parked)).Error);
        Assert.Equal(KafkaErrorCode.CoordinatorNotAvailable, _coordinator.Heartbeat("g", a.MemberId, a.GenerationId));
        Assert.Equal(KafkaErrorCode.None, Assert.Single(_coordinator.LeaveGroup("g", [new LeavingMember(a.MemberId, null)])).Error);
    }

    [Fact]
    public void GroupsKnownOnlyFromStoredOffsetsAreListedAfterRestart()
    {
        var store = new InMemoryCommittedOffsetStore();
        store.Commit("persisted", new TopicPartitionKey("orders", 0), new CommittedOffset(5, -1, null, 0));

        using var restarted = new GroupCoordinator(new EmbeddedKafkaOptions(), store, _time, (_, _) => true);

        var listed = Assert.Single(restarted.ListGroups([], []));
        Assert.Equal(new GroupListing("persisted", "", "Empty", "classic"), listed);
    }

    private async Task<JoinGroupOutcome> StableGroupOfOne(string groupId, IReadOnlyList<GroupProtocol>? protocols = null)
    {
        var joined = await Completed(_coordinator.JoinGroupAsync(Join(groupId, protocols: protocols)));
        await Completed(_coordinator.SyncGroupAsync(Sync(groupId, joined, new MemberAssignment(joined.MemberId, [1]))));
        return joined;
    }

    /// <summary>Two members that both got their JoinGroup answer; the group waits for SyncGroup.</summary>
    private async Task<(JoinGroupOutcome Leader, JoinGroupOutcome Follower)> RebalancedGroupOfTwo(string groupId, TimeSpan? session = null)
    {
        var a = await Completed(_coordinator.JoinGroupAsync(Join(groupId, session: session)));
        await Completed(_coordinator.SyncGroupAsync(Sync(groupId, a)));
        var bJoin = _coordinator.JoinGroupAsync(Join(groupId, clientId: "b", session: session));
        var aJoin = _coordinator.JoinGroupAsync(Join(groupId, a.MemberId, session: session));
        return (await Completed(aJoin), await Completed(bJoin));
    }

    private async Task<(JoinGroupOutcome Leader, JoinGroupOutcome Follower)> StableGroupOfTwo(string groupId, TimeSpan? session = null)
    {
        var (leader, follower) = await RebalancedGroupOfTwo(groupId, session);
        await Completed(_coordinator.SyncGroupAsync(Sync(groupId, leader)));
        await Completed(_coordinator.SyncGroupAsync(Sync(groupId, follower)));
        return (leader, follower);
    }

    /// <summary>Static members "a" (leader, assigned [1]) and "b" (follower, assigned [2]) of a Stable group.</summary>
    private async Task<(JoinGroupOutcome Leader, JoinGroupOutcome Follower)> StableStaticGroupOfTwo(string groupId, TimeSpan? session = null)
    {
        var (leader, follower) = await RebalancedStaticGroupOfTwo(groupId, session);
        await Completed(_coordinator.SyncGroupAsync(Sync(groupId, leader,
            new MemberAssignment(leader.MemberId, [1]), new MemberAssignment(follower.MemberId, [2])) with { GroupInstanceId = "a" }));
        await Completed(_coordinator.SyncGroupAsync(Sync(groupId, follower) with { GroupInstanceId = "b" }));
        return (leader, follower);
    }

    private async Task<(JoinGroupOutcome Leader, JoinGroupOutcome Follower)> RebalancedStaticGroupOfTwo(string groupId, TimeSpan? session = null)
    {
        var a = await Completed(_coordinator.JoinGroupAsync(StaticJoin(groupId, "a", session: session)));
        await Completed(_coordinator.SyncGroupAsync(Sync(groupId, a) with { GroupInstanceId = "a" }));
        var bJoin = _coordinator.JoinGroupAsync(StaticJoin(groupId, "b", clientId: "b", session: session));
        var aJoin = _coordinator.JoinGroupAsync(Join(groupId, a.MemberId, session: session) with { GroupInstanceId = "a" });
        return (await Completed(aJoin), await Completed(bJoin));
    }

    /// <summary>A member's id read from DescribeGroups, for one whose JoinGroup has not been answered yet.</summary>
    private string MemberIdOf(string groupId, string clientId) =>
        _coordinator.DescribeGroup(groupId).Members.Single(member => member.ClientId == clientId).MemberId;

    /// <summary>A static member joining without a member id (first start, or a restart).</summary>
    private static JoinGroupCommand StaticJoin(
        string groupId,
        string instanceId,
        string clientId = "client",
        TimeSpan? session = null,
        IReadOnlyList<GroupProtocol>? protocols = null) =>
        Join(groupId, "", clientId, session, protocols) with { GroupInstanceId = instanceId };

    private static JoinGroupCommand Join(
        string groupId,
        string memberId = "",
        string clientId = "client",
        TimeSpan? session = null,
        IReadOnlyList<GroupProtocol>? protocols = null) =>
        new(groupId, memberId, null, clientId, "/127.0.0.1", session ?? s_session, s_rebalance, "consumer",
            protocols ?? Protocols("range", "roundrobin"), RequireKnownMemberId: false);

    /// <summary>Protocols whose metadata names them (range: 1, 2, 3), so tests can see which one was picked.</summary>
    private static GroupProtocol[] Protocols(params string[] names) =>
        [.. names.Select(name => new GroupProtocol(name, name == "range" ? [1, 2, 3] : Encoding.UTF8.GetBytes(name)))];

    private static SyncGroupCommand Sync(string groupId, JoinGroupOutcome member, params MemberAssignment[] assignments) =>
        new(groupId, member.GenerationId, member.MemberId, null, null, null, assignments);

    private static OffsetCommitCommand SimpleCommit(string groupId, params PartitionCommit[] partitions) =>
        new(groupId, -1, "", null, partitions);

    private static OffsetCommitCommand MemberCommit(string groupId, JoinGroupOutcome member, params PartitionCommit[] partitions) =>
        new(groupId, member.GenerationId, member.MemberId, null, partitions);

    /// <summary>Everything here completes synchronously or on a fake-timer tick; a task still pending is a bug.</summary>
    private static async Task<T> Completed<T>(Task<T> task) =>
        await task.WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);
}
