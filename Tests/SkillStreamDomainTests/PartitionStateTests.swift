import SkillStreamLearning
import Testing

@testable import SkillStreamDomain

@Suite struct PartitionStateTests {
    @Test func encodedEventsDecodeToTheSameEvent() {
        let events = [
            TestEvents.restaurant(), TestEvents.visit("v1", at: TestEvents.time()),
            TestEvents.feedback("f1", visit: "v1", at: TestEvents.time(minutes: 30), score: 4, complaints: [.slowService], comment: "Muy \"lento\"\n", repeatCustomer: true),
        ]
        for event in events {
            #expect((try? EventDecoder().decode(TestEvents.bytes(event)).get()) == event)
        }
    }

    @Test func duplicatesAreSkippedCountedAndTheAccountingBalances() {
        let state = PartitionState()
        let visit = TestEvents.bytes(TestEvents.visit("v1", at: TestEvents.time()))
        #expect(state.process(visit, key: "lim-01") != .duplicate)
        #expect(state.process(visit, key: "lim-01") == .duplicate)
        if case .deadLetter(let rejection) = state.process(Array("{".utf8)) { #expect(rejection.reason == .malformedJSON) } else {
            Issue.record("malformed JSON was not dead-lettered")
        }
        let counters = state.counters
        #expect(counters.consumed == 3 && counters.processed == 1 && counters.duplicates == 1 && counters.deadLettered == 1)
        #expect(counters.consumed == counters.processed + counters.deadLettered + counters.duplicates)
    }

    @Test func duplicatesAreForgottenAfterTheHorizon() {
        var configuration = DomainConfiguration()
        configuration.dedupeHorizonMilliseconds = 86_400_000
        let state = PartitionState(configuration: configuration)
        let old = TestEvents.visit("v1", at: TestEvents.time())
        _ = state.process(old)
        _ = state.process(TestEvents.visit("v2", at: TestEvents.time(days: 3)))
        #expect(state.dedupe.count == 1, "the old id is no longer remembered")
    }

    @Test func missingSatisfactionIsImputedButNeverCountsAsObserved() throws {
        let state = PartitionState()
        _ = state.process(TestEvents.restaurant())
        _ = state.process(TestEvents.feedback("a", visit: nil, at: TestEvents.time(), score: 5))
        _ = state.process(TestEvents.feedback("b", visit: nil, at: TestEvents.time(minutes: 1), score: 3))
        _ = state.process(TestEvents.visit("v9", at: TestEvents.time(minutes: 2)))
        guard case .processed(.guestFeedback(let cleaned), let notes) = state.process(TestEvents.feedback("c", visit: "v9", at: TestEvents.time(minutes: 3), score: nil)) else {
            Issue.record("feedback not processed")
            return
        }
        #expect(notes.contains(.imputedSatisfaction) && notes.contains(.joinedVisit))
        #expect(cleaned.satisfaction == 4)  // the restaurant's observed mean
        #expect(state.restaurants["lim-01"]!.satisfactionCount == 2, "the imputed score is not an observation")
        let example = try #require(state.takeLabelledExamples().first)
        #expect(example.observedSatisfaction == nil && example.dissatisfied == nil, "an imputed score never trains as observed")
        let summary = state.staff[.init(restaurantID: "lim-01", staffID: "s1")]!.windows.summary(endingOn: TestEvents.time().localDay, days: 7)
        #expect(summary.satisfactionCount == 2 && summary.feedbackCount == 3)
    }

    @Test func waitOutliersAreWinsorizedOnceTheFenceHasASample() {
        var configuration = DomainConfiguration()
        configuration.outlierMinimumSample = 20
        let state = PartitionState(configuration: configuration)
        _ = state.process(TestEvents.restaurant(target: 600))
        for index in 0..<40 { _ = state.process(TestEvents.visit("v\(index)", at: TestEvents.time(minutes: Double(index)), wait: 500 + Double(index % 10) * 20)) }
        guard case .processed(_, let notes) = state.process(TestEvents.visit("outlier", at: TestEvents.time(minutes: 50), wait: 7_200)) else {
            Issue.record("not processed")
            return
        }
        #expect(notes.contains(.winsorizedWaitTime))
        let windows = state.staff[.init(restaurantID: "lim-01", staffID: "s1")]!.windows
        let summary = windows.summary(endingOn: TestEvents.time().localDay, days: 1)
        #expect(summary.tables == 41)
        #expect(Double(windows.recentWaitRatioMillis.last!) < 2_000, "the feature sees the fenced wait, not 12 times the target")
    }

    @Test func lateEventsAreCountedKeptOutOfTheWindowsButStillJoinLabels() throws {
        let state = PartitionState()
        _ = state.process(TestEvents.visit("early", at: TestEvents.time()))
        _ = state.process(TestEvents.visit("now", at: TestEvents.time(days: 2)))
        guard case .processed(_, let notes) = state.process(TestEvents.feedback("late", visit: "early", at: TestEvents.time(days: 1), score: 1)) else {
            Issue.record("not processed")
            return
        }
        #expect(notes.contains(.late) && notes.contains(.joinedVisit))
        #expect(state.counters.late == 1)
        #expect(try #require(state.takeLabelledExamples().first).dissatisfied == true)
        let windows = state.staff[.init(restaurantID: "lim-01", staffID: "s1")]!.windows
        #expect(windows.summary(endingOn: TestEvents.time(days: 2).localDay, days: 30).feedbackCount == 0)
    }

    @Test func featuresAreTheWindowsAsTheyWereAtServiceTime() throws {
        let state = PartitionState()
        _ = state.process(TestEvents.restaurant(target: 600))
        _ = state.process(TestEvents.visit("v1", at: TestEvents.time(), wait: 1_200, ordered: 10, incorrect: 5))
        _ = state.process(TestEvents.visit("v2", at: TestEvents.time(minutes: 90), wait: 600))
        _ = state.process(TestEvents.feedback("f2", visit: "v2", at: TestEvents.time(minutes: 120), score: 2))
        let example = try #require(state.takeLabelledExamples().first)
        func feature(_ name: String) -> Double { example.features[ServiceFeatures.names.firstIndex(of: name)!] }
        #expect(example.features.count == ServiceFeatures.count)
        #expect(feature("wait_ratio_mean_7d") == 2, "only v1 (1,200 s against a 600 s target) was served before v2")
        #expect(feature("order_accuracy_7d") == 0.5)
        #expect(feature("visit_wait_ratio") == 1)
        #expect(feature("visit_order_accuracy") == 1)
        #expect(feature("restaurant_benchmark") == 85)
        #expect(example.dissatisfied == true)
    }

    @Test func complaintsNotTheServersDoingNeverCountAgainstStaff() {
        let state = PartitionState()
        _ = state.process(TestEvents.visit("v1", at: TestEvents.time()))
        _ = state.process(TestEvents.feedback("f1", visit: "v1", at: TestEvents.time(minutes: 5), score: 2, complaints: [.foodQuality, .price, .noiseOrAmbience]))
        _ = state.process(TestEvents.feedback("f2", visit: nil, at: TestEvents.time(minutes: 6), score: 2, comment: "La comida llegó fría y todo muy caro"))
        let summary = state.staff[.init(restaurantID: "lim-01", staffID: "s1")]!.windows.summary(endingOn: TestEvents.time().localDay, days: 7)
        #expect(summary.complaintCounts == [0, 0, 0, 0, 0])
        _ = state.process(TestEvents.feedback("f3", visit: nil, at: TestEvents.time(minutes: 7), score: 2, comment: "Esperamos una eternidad, muy lento"))
        let after = state.staff[.init(restaurantID: "lim-01", staffID: "s1")]!.windows.summary(endingOn: TestEvents.time().localDay, days: 7)
        #expect(after.complaintCounts == [1, 0, 0, 0, 0])
        #expect(state.counters.complaintsFromComments == 2)
    }

    @Test func guestsOfOneTableNamingTheSameLapseCountItOnceOnTheDayOfTheService() throws {
        var state = PartitionState()
        let staff = PartitionState.StaffKey(restaurantID: "lim-01", staffID: "s1")
        func complaints(onDayOf time: EventTime) -> [Int] {
            state.staff[staff]!.windows.summary(endingOn: time.localDay, days: 1).complaintCounts
        }
        _ = state.process(TestEvents.visit("v1", at: TestEvents.time()))
        _ = state.process(TestEvents.feedback("f1", visit: "v1", at: TestEvents.time(minutes: 30), score: 2, complaints: [.inattentiveOrRude]))
        // Two days later, two more guests of the same table: one names the same lapse and another, one writes it.
        _ = state.process(
            TestEvents.feedback("f2", visit: "v1", at: TestEvents.time(days: 2), score: 1, complaints: [.inattentiveOrRude, .etiquetteLapse]))
        state = try PartitionState(snapshot: state.snapshot())
        _ = state.process(TestEvents.feedback("f3", visit: "v1", at: TestEvents.time(days: 2, minutes: 5), score: 2, comment: "El mozo fue muy grosero"))
        #expect(complaints(onDayOf: TestEvents.time()) == [0, 0, 1, 0, 1], "one rude table, one etiquette lapse, on the day of the service")
        #expect(complaints(onDayOf: TestEvents.time(days: 2)) == [0, 0, 0, 0, 0])
        #expect(state.counters.labelsJoined == 1, "the first answer labels the visit")
        #expect(state.pendingVisitCount == 0)
        // A guest who names no table still counts, and so does the next table.
        _ = state.process(TestEvents.feedback("f4", visit: nil, at: TestEvents.time(days: 2, minutes: 6), score: 2, complaints: [.inattentiveOrRude]))
        _ = state.process(TestEvents.visit("v2", at: TestEvents.time(days: 2, minutes: 10)))
        _ = state.process(TestEvents.feedback("f5", visit: "v2", at: TestEvents.time(days: 2, minutes: 40), score: 2, complaints: [.inattentiveOrRude]))
        #expect(complaints(onDayOf: TestEvents.time(days: 2)) == [0, 0, 2, 0, 0])
        // The POS sending an answered visit again (under a new id) does not make it wait for a label again.
        guard case .tableService(var again) = TestEvents.visit("v1", at: TestEvents.time()) else { return }
        again.header.eventID = "pos-v1-again"
        #expect(state.process(.tableService(again)) != .duplicate)
        #expect(state.pendingVisitCount == 0 && state.features(ofPendingVisit: "v1") == nil)
        #expect(state.rememberedVisitCount == 2)
    }

    /// A point of sale may send its tables at the end of the shift while the survey tablet
    /// sends at once. An answer that arrives before its visit still labels it, when the visit
    /// comes, with the features of the service; a second guest naming the same lapse meanwhile
    /// counts once; a restored state still holds the waiting answer.
    @Test func anAnswerArrivingBeforeItsVisitLabelsTheVisitWhenItComes() throws {
        var state = PartitionState()
        let staff = PartitionState.StaffKey(restaurantID: "lim-01", staffID: "s1")
        _ = state.process(TestEvents.restaurant(target: 900))
        _ = state.process(TestEvents.visit("v0", at: TestEvents.time()))
        let first = state.process(TestEvents.feedback("f1", visit: "v1", at: TestEvents.time(minutes: 100), score: 2, complaints: [.inattentiveOrRude, .foodQuality]))
        guard case .processed(_, let answerNotes) = first else {
            Issue.record("not processed: \(first)")
            return
        }
        #expect(!answerNotes.contains(.joinedVisit), "no visit to join yet")
        _ = state.process(TestEvents.feedback("f2", visit: "v1", at: TestEvents.time(minutes: 105), score: 1, complaints: [.inattentiveOrRude]))
        #expect(state.takeLabelledExamples().isEmpty)
        state = try PartitionState(snapshot: state.snapshot())
        let visit = state.process(TestEvents.visit("v1", at: TestEvents.time(minutes: 90), wait: 1_800))
        guard case .processed(_, let visitNotes) = visit else {
            Issue.record("not processed: \(visit)")
            return
        }
        #expect(visitNotes.contains(.joinedVisit))
        let examples = state.takeLabelledExamples()
        #expect(examples.count == 1, "the first answer labels the visit")
        let example = try #require(examples.first)
        #expect(example.visitID == "v1" && example.staffID == "s1" && example.observedSatisfaction == 2)
        #expect(Set(example.complaints) == [.inattentiveOrRude, .foodQuality])
        #expect(example.servedAt == TestEvents.time(minutes: 90) && example.feedbackAt == TestEvents.time(minutes: 100))
        #expect(example.features[ServiceFeatures.names.firstIndex(of: "visit_wait_ratio")!] == 2)
        #expect(
            ServiceFeatures.fromAnswers.allSatisfy { example.features[$0].isNaN },
            "the windows already hold the answer: what the answers feed is left unknown, not learnt from its own label")
        #expect(state.counters.labelsJoined == 1 && state.pendingVisitCount == 1, "v0 still waits; v1 is answered")
        // A third guest of the table, after the visit came, names the same lapse: still one.
        _ = state.process(TestEvents.feedback("f3", visit: "v1", at: TestEvents.time(minutes: 120), score: 2, complaints: [.inattentiveOrRude]))
        #expect(state.takeLabelledExamples().isEmpty)
        #expect(state.staff[staff]!.windows.summary(endingOn: TestEvents.time().localDay, days: 1).complaintCounts == [0, 0, 1, 0, 0])
        #expect(state.snapshot() == (try PartitionState(snapshot: state.snapshot())).snapshot())
        // A table two guests name but that never comes is counted once, when the label horizon passes.
        _ = state.process(TestEvents.feedback("f4", visit: "lost", at: TestEvents.time(minutes: 130), score: 4))
        _ = state.process(TestEvents.feedback("f5", visit: "lost", at: TestEvents.time(minutes: 135), score: 5))
        #expect(state.counters.answeredTablesNotSeen == 0)
        state = try PartitionState(snapshot: state.snapshot())
        _ = state.process(TestEvents.visit("v9", at: TestEvents.time(days: 8)))
        #expect(state.counters.answeredTablesNotSeen == 1 && state.counters.visitsExpired == 1, "v0 expired unanswered too")
    }

    @Test func visitsWithoutFeedbackExpireAfterTheLabelHorizon() {
        let state = PartitionState()
        _ = state.process(TestEvents.visit("v1", at: TestEvents.time()))
        #expect(state.pendingVisitCount == 1)
        _ = state.process(TestEvents.visit("v2", at: TestEvents.time(days: 8)))
        #expect(state.pendingVisitCount == 1 && state.counters.visitsExpired == 1)
        guard case .processed(_, let notes) = state.process(TestEvents.feedback("f1", visit: "v1", at: TestEvents.time(days: 8, minutes: 1), score: 5)) else {
            Issue.record("not processed")
            return
        }
        #expect(!notes.contains(.joinedVisit))
    }

    @Test func hrEventsSetRoleTenureTrainingsAndTurnover() {
        let state = PartitionState()
        let hire = ContractEvent.staffEvent(
            StaffEvent(header: TestEvents.header("h1", at: TestEvents.time()), staffID: "s1", type: .hired, role: .sommelier))
        let done = ContractEvent.staffEvent(
            StaffEvent(header: TestEvents.header("h2", at: TestEvents.time(days: 10)), staffID: "s1", type: .trainingCompleted, programID: "p1", assessmentScore: 90))
        let leave = ContractEvent.staffEvent(
            StaffEvent(header: TestEvents.header("h3", at: TestEvents.time(days: 11)), staffID: "s2", type: .terminated))
        for event in [hire, done, leave] { _ = state.process(event) }
        let member = state.staff[.init(restaurantID: "lim-01", staffID: "s1")]!
        #expect(member.role == .sommelier && member.completedTrainings.map(\.programID) == ["p1"])
        #expect(member.tenureDays(at: TestEvents.time(days: 20)) == 20)
        #expect(state.restaurants["lim-01"]!.turnoverRate(at: TestEvents.time(days: 12), windowDays: 90) == 1)
    }

    @Test func hrRecordsArrivingOutOfOrderLeaveTheLatestEmployment() {
        let state = PartitionState()
        func hr(_ id: String, _ type: StaffEventType, day: Double) -> ContractEvent {
            .staffEvent(StaffEvent(header: TestEvents.header(id, at: TestEvents.time(days: day)), staffID: "s1", type: type, role: type == .hired ? .server : nil))
        }
        let key = PartitionState.StaffKey(restaurantID: "lim-01", staffID: "s1")
        _ = state.process(hr("h1", .terminated, day: 30))
        _ = state.process(hr("h2", .hired, day: 0))  // the hire, arriving after the departure
        #expect(state.staff[key]!.terminatedAt == TestEvents.time(days: 30), "an older hire does not undo a newer departure")
        #expect(!state.restaurants["lim-01"]!.activeStaff.contains("s1"))
        _ = state.process(hr("h3", .hired, day: 40))  // back
        _ = state.process(hr("h4", .terminated, day: 35))  // a stale departure, before the return
        #expect(state.staff[key]!.terminatedAt == nil && state.staff[key]!.hiredAt == TestEvents.time(days: 40))
        #expect(state.restaurants["lim-01"]!.activeStaff.contains("s1"))
    }

    @Test func aLateTableOfSomeoneWhoLeftBringsNobodyBackNorDoesARestoredState() throws {
        let state = PartitionState()
        _ = state.process(.staffEvent(StaffEvent(header: TestEvents.header("h1", at: TestEvents.time()), staffID: "s1", type: .hired, role: .server)))
        _ = state.process(.staffEvent(StaffEvent(header: TestEvents.header("h2", at: TestEvents.time(days: 3)), staffID: "s1", type: .terminated)))
        _ = state.process(TestEvents.visit("v1", at: TestEvents.time(days: 3, minutes: -60)))  // their last table, sent late
        #expect(!state.restaurants["lim-01"]!.activeStaff.contains("s1"))
        #expect(state.staff[.init(restaurantID: "lim-01", staffID: "s1")]!.windows.summary(endingOn: TestEvents.time(days: 3).localDay, days: 7).tables == 1)
        // A state saved by an earlier release, which counted them again.
        state.restaurants["lim-01"]!.activeStaff.insert("s1")
        let restored = try PartitionState(snapshot: state.snapshot())
        #expect(restored.restaurants["lim-01"]!.activeStaff.isEmpty)
    }

    @Test func aHireRecordSentAgainLaterDoesNotMakeAVeteranNewAgain() {
        let state = PartitionState()
        func hr(_ id: String, _ type: StaffEventType, day: Double, staff: String = "s1") -> ContractEvent {
            .staffEvent(StaffEvent(header: TestEvents.header(id, at: TestEvents.time(days: day)), staffID: staff, type: type, role: .server))
        }
        let veteran = PartitionState.StaffKey(restaurantID: "lim-01", staffID: "s1")
        _ = state.process(hr("h1", .hired, day: 0))
        #expect(state.staff[veteran]!.settlingInEnds(days: 30) == TestEvents.time(days: 30))
        _ = state.process(hr("h2", .hired, day: 20))  // the HR system sends the record again, dated later
        #expect(state.staff[veteran]!.settlingInEnds(days: 30) == TestEvents.time(days: 30), "hired on day 0")
        _ = state.process(.tableService(TableServiceEvent(
            header: TestEvents.header("pos-t1", at: TestEvents.time(days: 25)), staffID: "s3", visitID: "t1", tableID: "T1", covers: 2,
            seatedAt: TestEvents.time(days: 25, minutes: -60), waitTimeSeconds: 600, itemsOrdered: 4, itemsIncorrect: 0, checkTotalPEN: 200)))
        _ = state.process(hr("h3", .hired, day: 30, staff: "s3"))  // at work before the hire record says
        #expect(state.staff[PartitionState.StaffKey(restaurantID: "lim-01", staffID: "s3")]!.settlingInEnds(days: 30) == TestEvents.time(days: 55))
        _ = state.process(TestEvents.visit("t2", staff: "s4", at: TestEvents.time(days: 31)))
        #expect(state.staff[PartitionState.StaffKey(restaurantID: "lim-01", staffID: "s4")]!.settlingInEnds(days: 30) == nil, "no hire record: nobody new")
    }

    @Test func aCompletionSentAgainUnderAnotherIDIsMarkedRepeatedAndKeptOnce() {
        let state = PartitionState()
        func completion(_ id: String, day: Double) -> ContractEvent {
            .staffEvent(StaffEvent(header: TestEvents.header(id, at: TestEvents.time(days: day)), staffID: "s1", type: .trainingCompleted, programID: "p1"))
        }
        _ = state.process(.staffEvent(StaffEvent(header: TestEvents.header("h1", at: TestEvents.time()), staffID: "s1", type: .hired, role: .server)))
        #expect(state.process(completion("c1", day: 10)) == .processed(completion("c1", day: 10), []))
        #expect(state.process(completion("c1-again", day: 10)) == .processed(completion("c1-again", day: 10), .repeated))
        #expect(state.process(completion("c2", day: 12)) == .processed(completion("c2", day: 12), []), "the same program completed another time")
        let member = state.staff[PartitionState.StaffKey(restaurantID: "lim-01", staffID: "s1")]!
        #expect(member.completedTrainings.map(\.completedAt) == [TestEvents.time(days: 10), TestEvents.time(days: 12)])
    }

    @Test func anOldOrRepeatedHRRecordDoesNotUndoAPromotion() throws {
        var state = PartitionState()
        func hr(_ id: String, _ type: StaffEventType, day: Double, _ role: Role? = nil, staff: String = "s1") -> ContractEvent {
            .staffEvent(StaffEvent(header: TestEvents.header(id, at: TestEvents.time(days: day)), staffID: staff, type: type, role: role))
        }
        func role(_ staff: String = "s1") -> Role? { state.staff[PartitionState.StaffKey(restaurantID: "lim-01", staffID: staff)]?.role }
        _ = state.process(hr("h1", .hired, day: 0, .runner))
        _ = state.process(hr("h2", .roleChanged, day: 10, .server))
        _ = state.process(hr("h1-again", .hired, day: 0, .runner))  // the hire sent again, under a new id
        #expect(role() == .server)
        _ = state.process(hr("h1-later", .hired, day: 20, .runner))  // sent again, dated later, while employed
        #expect(role() == .server)
        #expect(state.staff[PartitionState.StaffKey(restaurantID: "lim-01", staffID: "s1")]!.hiredAt == TestEvents.time(), "nor the hire date")
        _ = state.process(hr("h3", .roleChanged, day: 5, .captain))  // an older change, arriving late
        #expect(role() == .server)
        state = try PartitionState(snapshot: state.snapshot())
        _ = state.process(hr("h3-again", .roleChanged, day: 5, .captain))
        #expect(role() == .server, "a restored state still knows when the role was set")
        _ = state.process(hr("h4", .terminated, day: 30))
        _ = state.process(hr("h5", .hired, day: 40, .sommelier))  // back, in another role
        #expect(role() == .sommelier)
        // The old hire and departure sent again after the return: still back, since day 40.
        _ = state.process(hr("h1-resent", .hired, day: 0, .runner))
        _ = state.process(hr("h4-resent", .terminated, day: 30))
        let member = try #require(state.staff[PartitionState.StaffKey(restaurantID: "lim-01", staffID: "s1")])
        #expect(member.terminatedAt == nil && member.hiredAt == TestEvents.time(days: 40) && role() == .sommelier)
        #expect(state.restaurants["lim-01"]!.activeStaff.contains("s1"))
        // Out of order from the start: the promotion arrives before the hire.
        _ = state.process(hr("h6", .roleChanged, day: 12, .captain, staff: "s2"))
        _ = state.process(hr("h7", .hired, day: 1, .server, staff: "s2"))
        #expect(role("s2") == .captain)
    }

    /// A restored state behaves exactly as the original on the events that follow.
    @Test func snapshotRestoresAnIdenticalState() throws {
        let first = PartitionState()
        var stream: [ContractEvent] = [TestEvents.restaurant()]
        for index in 0..<300 {
            let at = TestEvents.time(days: Double(index) / 20)
            stream.append(TestEvents.visit("v\(index)", staff: "s\(index % 7)", at: at, wait: 400 + Double(index * 37 % 900), incorrect: index % 5 == 0 ? 1 : 0))
            if index % 3 == 0 {
                stream.append(TestEvents.feedback("f\(index)", visit: "v\(index)", staff: "s\(index % 7)", at: at, score: index % 4 == 0 ? nil : 1 + index % 5, comment: index % 9 == 0 ? "muy lento" : nil, repeatCustomer: index % 2 == 0))
            }
        }
        for event in stream.prefix(400) { _ = first.process(event) }
        _ = first.takeLabelledExamples()
        let second = try PartitionState(snapshot: first.snapshot())
        #expect(second.snapshot() == first.snapshot())
        for event in stream.suffix(from: 400) {
            #expect(first.process(event) == second.process(event))
        }
        #expect(first.takeLabelledExamples() == second.takeLabelledExamples())
        #expect(first.snapshot() == second.snapshot())
        #expect(first.counters == second.counters)
        #expect(throws: (any Error).self) { try PartitionState(snapshot: Array(first.snapshot().dropLast(3))) }
    }

    /// Windows whose days are out of order or span more than the longest window are refused on
    /// restore: their running totals would silently disagree with their buckets.
    @Test func snapshotWindowsWithDaysOutOfOrderAreRefused() throws {
        var windows = ServiceWindows()
        for day in [Int32(20_000), 20_001, 20_002] {
            windows.addService(day: day, waitRatio: 1, covers: 2, itemsOrdered: 6, itemsIncorrect: 0)
        }
        func restored(_ windows: ServiceWindows) throws -> ServiceWindows {
            var writer = SnapshotWriter()
            PartitionState.write(windows, &writer)
            var reader = SnapshotReader(writer.bytes)
            return try PartitionState.readWindows(&reader, compact: true)
        }
        #expect(try restored(windows) == windows)
        var swapped = windows
        swapped.buckets.swapAt(0, 2)
        #expect(throws: LearningError.self) { try restored(swapped) }
        var repeated = windows
        repeated.buckets[1].day = 20_000
        #expect(throws: LearningError.self) { try restored(repeated) }
        var stale = windows
        stale.buckets[0].day = 20_002 - ServiceWindows.longDays
        #expect(throws: LearningError.self) { try restored(stale) }
    }
}

@Suite struct EventTimeGuardTests {
    @Test func anEventFarInTheFutureIsDeadLetteredAndDoesNotMoveEventTime() {
        let state = PartitionState()
        _ = state.process(TestEvents.visit("v1", at: TestEvents.time()))
        let future = TestEvents.visit("v2", at: EventTime(rfc3339: "2099-01-01T00:00:00Z")!)
        guard case .deadLetter(let rejection) = state.process(future) else {
            Issue.record("a visit dated 2099 was accepted")
            return
        }
        #expect(rejection.reason == .invalidTimestamp)
        guard case .processed(_, let notes) = state.process(TestEvents.visit("v3", at: TestEvents.time(minutes: 5))) else {
            Issue.record("not processed")
            return
        }
        #expect(!notes.contains(.late), "event time did not jump to 2099")
        #expect(state.counters.consumed == state.counters.processed + state.counters.deadLettered + state.counters.duplicates)
    }

    @Test func clockSkewIsMeasuredAgainstTheReceiptTimeWhenGiven() {
        let state = PartitionState()
        let event = TestEvents.visit("v1", at: TestEvents.time(days: 2))
        guard case .deadLetter(let rejection) = state.process(event, receivedAt: TestEvents.time()) else {
            Issue.record("an event two days after its receipt was accepted")
            return
        }
        #expect(rejection.reason == .invalidTimestamp)
        #expect(state.process(event, receivedAt: TestEvents.time(days: 2)) != .duplicate, "refused events are not remembered as seen")
    }

    @Test func aResentVisitWithAnotherTimeStillExpires() {
        let state = PartitionState()
        _ = state.process(TestEvents.visit("v1", at: TestEvents.time()))
        _ = state.process(
            .tableService(
                TableServiceEvent(
                    header: TestEvents.header("pos-v1-again", at: TestEvents.time(days: 1)), staffID: "s1", visitID: "v1", tableID: "T1", covers: 2,
                    seatedAt: TestEvents.time(days: 1, minutes: -60), waitTimeSeconds: 900, itemsOrdered: 4, itemsIncorrect: 0)))
        _ = state.process(TestEvents.visit("v9", at: TestEvents.time(days: 9)))
        #expect(state.pendingVisitCount == 1, "only v9 waits; v1 expired at its newer time")
    }

    @Test func invalidEscapesAndBytesAreRefusedEvenInFieldsTheEventDoesNotUse() throws {
        let valid = #"{"schema":"ref.restaurant.v1","event_id":"r","occurred_at":"2026-03-01T00:00:00Z","restaurant_id":"lim-01","name":"Costa","city":"Lima","timezone":"America/Lima","service_quality_benchmark":80,"fine_dining_accreditation":true,"target_wait_time_seconds":900"#
        #expect((try? EventDecoder().decode(Array((valid + #","note":"ok\n"}"#).utf8)).get()) != nil)
        guard case .failure(let escape) = EventDecoder().decode(Array((valid + #","note":"bad \q"}"#).utf8)) else {
            Issue.record("an invalid escape in an unused field was accepted")
            return
        }
        #expect(escape.reason == .malformedJSON)
        guard case .failure(let utf8) = EventDecoder().decode(Array((valid + #","note":""#).utf8) + [0xFF] + Array(#""}"#.utf8)) else {
            Issue.record("invalid UTF-8 in an unused field was accepted")
            return
        }
        #expect(utf8.reason == .invalidUTF8)
    }
}

@Suite struct SparseHistoryTests {
    /// Months between records (a roster of old hires, monthly backfill rows) are legitimate when
    /// each record's receipt time shows it is in the past.
    @Test func monthsBetweenRecordsAreAcceptedWhenTheReceiptTimeIsKnown() {
        let state = PartitionState()
        let receivedAt = EventTime(rfc3339: "2026-11-29T12:00:00Z")!
        let early = TestEvents.visit("v1", at: EventTime(rfc3339: "2024-01-10T20:00:00-05:00")!)
        let later = TestEvents.visit("v2", at: EventTime(rfc3339: "2024-06-10T20:00:00-05:00")!)
        for event in [early, later] {
            guard case .processed = state.process(event, receivedAt: receivedAt) else {
                Issue.record("a record months after the previous one was refused")
                return
            }
        }
        let future = TestEvents.visit("v3", at: EventTime(rfc3339: "2026-12-05T20:00:00-05:00")!)
        guard case .deadLetter(let rejection) = state.process(future, receivedAt: receivedAt) else {
            Issue.record("a record dated after its receipt was accepted")
            return
        }
        #expect(rejection.reason == .invalidTimestamp)
    }
}
