import Foundation
import Logging
@testable import SkillStreamPostgres
import SkillStreamTestSupport
import Testing

/// Opening a session against a server address that accepts connections and never answers, as
/// a hung server or a network partition looks to a client.
@Suite struct PostgresConnectionTests {
    @Test func aServerThatNeverAnswersFailsTheConnectionAfterTheDefaultTimeout() throws {
        let server = try SilentServer()
        defer { server.close() }
        let clock = ContinuousClock()
        let began = clock.now
        #expect(throws: PostgresError.self, "libpq gives up after connect_timeout (10 s) instead of waiting for good") {
            _ = try PostgresConnection(connectionString: "postgresql://postgres@127.0.0.1:\(server.port)/postgres?sslmode=disable", logger: Logger(label: "test"))
        }
        let took = clock.now - began
        #expect(took >= .seconds(9) && took < .seconds(60), "failed after \(took)")
    }

    @Test func theConnectionStringWinsOverTheDefaultOptions() throws {
        let server = try SilentServer()
        defer { server.close() }
        let clock = ContinuousClock()
        let began = clock.now
        #expect(throws: PostgresError.self) {
            _ = try PostgresConnection(
                connectionString: "host=127.0.0.1 port=\(server.port) user=postgres sslmode=disable connect_timeout=2", logger: Logger(label: "test"))
        }
        #expect(clock.now - began < .seconds(9), "connect_timeout=2 from the string, not the default 10")
    }
}

/// A pool interrupted while a call waits to open its session (libpq's blocking connection,
/// which no socket of ours reaches): the caller stops waiting at once instead of at
/// `connect_timeout`, and the pool takes no new call.
@Suite struct PostgresClientInterruptTests {
    @Test func aCallOpeningASessionStopsWaitingAtOnceWhenThePoolIsInterrupted() async throws {
        let server = try SilentServer()
        defer { server.close() }
        let client = PostgresClient(
            configuration: PostgresConfiguration(connectionString: "host=127.0.0.1 port=\(server.port) user=postgres sslmode=disable connect_timeout=60"),
            logger: Logger(label: "test"))
        let call = Task { () -> PostgresError? in
            do {
                _ = try await client.withConnection { _ in 0 }
                return nil
            } catch {
                return error as? PostgresError
            }
        }
        try await Task.sleep(for: .seconds(1))  // the call is opening its session
        let clock = ContinuousClock()
        let interrupted = clock.now
        #expect(client.interruptAndClose() == 1, "one call in progress")
        let error = await call.value
        #expect(clock.now - interrupted < .seconds(10), "stopped waiting at once, not at connect_timeout (60 s)")
        #expect(error?.code == .closed, "\(String(describing: error))")
        await #expect(throws: PostgresError.self) { try await client.withConnection { _ in 0 } }
    }
}

/// Which of the default options a connection string leaves to SkillStream.
@Suite struct PostgresDefaultOptionsTests {
    @Test func optionsTheStringTheEnvironmentOrAServiceSetAreNotDefaulted() {
        let all = PostgresConnection.defaultOptions.map(\.key)
        #expect(PostgresConnection.defaults(for: "postgresql://u@h/db", environment: [:]).map(\.0) == all)
        #expect(!PostgresConnection.defaults(for: "postgresql://u@h/db?connect_timeout=3", environment: [:]).map(\.0).contains("connect_timeout"))
        #expect(!PostgresConnection.defaults(for: "host=h keepalives=0", environment: [:]).map(\.0).contains("keepalives"))
        #expect(!PostgresConnection.defaults(for: "host=h", environment: ["PGCONNECT_TIMEOUT": "5"]).map(\.0).contains("connect_timeout"))
        #expect(PostgresConnection.defaults(for: "service=prod", environment: [:]).isEmpty, "a service file may set any of them")
        #expect(PostgresConnection.defaults(for: "host=h", environment: ["PGSERVICE": "prod"]).isEmpty)
    }
}
