import Foundation
import Glibc
import SkillStreamAccess
import SkillStreamKafka
import SkillStreamPostgres
import Synchronization
import SkillStreamTestSupport
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The fixture's `serve` process, stopped at exit (see `atexit` in the fixture).
let servePID = Atomic<Int32>(0)

/// `skillstream serve` as its own process, over the tables a real `skillstream process` run
/// wrote from a simulated world on the real broker and PostgreSQL. Every response the tests
/// get is also checked against Schemas/openapi.yaml (Scripts/check_api_responses.py).
@Suite(.serialized) struct APIIntegrationTests {
    typealias Processes = ProcessorIntegrationTests

    /// The served world and who is who in it.
    struct Fixture: Sendable {
        var port: Int
        /// serve's /metrics.
        var metricsPort: Int
        var database: String
        var prefix: String
        var group: String
        var serveLog: String
        var secret: [UInt8]
        /// A restaurant with a staff member who has an alert and a proposed recommendation.
        var restaurant: String
        var otherRestaurant: String
        var staff: String
        var colleague: String
        var alert: String
        var recommendation: String
        var stem: String
    }

    static let fixture = Task<Fixture, any Error> {
        let stem = IntegrationEnvironment.fileStem("api")
        let prefix = "t" + UUID().uuidString.prefix(6).lowercased() + "api."
        let group = prefix + "group"
        try await Processes.run(
            [
                "simulate", "--brokers", try IntegrationEnvironment.brokers(), "--topic-prefix", prefix, "--partitions", "3", "--seed", "11",
                "--restaurants", "3", "--staff-per-restaurant", "10", "--days", "45", "--ground-truth", stem + ".truth.json", "--quiet",
            ], log: stem + ".simulate.log")
        let database = try await Processes.migratedDatabase(log: stem + ".migrate.log")
        try await Processes.run(
            try Processes.processArguments(postgres: database, prefix: prefix, group: group, extra: ["--exit-when-idle", "3"]), log: stem + ".process.log")
        let secret = Array(UUID().uuidString.utf8) + Array(UUID().uuidString.utf8)
        try Data(secret).write(to: URL(fileURLWithPath: stem + ".secret"))
        let (port, metricsPort) = (try freeLoopbackPort(), try freeLoopbackPort())
        let serveLog = stem + ".serve.log"
        // Debug logging: the most a token could leak into.
        let serve = try Processes.start(
            [
                "serve", "--postgres", database, "--brokers", try IntegrationEnvironment.brokers(), "--topic-prefix", prefix, "--group", group,
                "--host", "127.0.0.1", "--port", String(port), "--jwt-secret-file", stem + ".secret", "--log-level", "debug", "--log-format", "json",
                "--metrics-port", String(metricsPort), "--metrics-host", "127.0.0.1",
            ], log: serveLog)
        // The suite has no end hook: the server is stopped when the test process exits.
        servePID.store(serve.processIdentifier, ordering: .relaxed)
        atexit { kill(servePID.load(ordering: .relaxed), SIGTERM) }
        try await eventually("serve answers /readyz", timeout: .seconds(30)) { await Processes.get(port: port, "/readyz")?.status == 200 }
        let connection = try PostgresConnection(connectionString: database, logger: IntegrationEnvironment.logger)
        let chosen = try #require(
            try connection.query(
                """
                SELECT t.restaurant_id, t.staff_id, t.alert_id, t.recommendation_id FROM training_recommendations t
                WHERE t.status = 'proposed' ORDER BY t.restaurant_id, t.staff_id, t.recommendation_id LIMIT 1
                """
            ).first, "the processor recommended some training")
        let restaurant = try chosen.decode(String.self, column: "restaurant_id")
        let staff = try chosen.decode(String.self, column: "staff_id")
        let colleague = try connection.query(
            "SELECT staff_id FROM staff_skills WHERE restaurant_id = $1 AND staff_id <> $2 ORDER BY staff_id LIMIT 1", [restaurant, staff])[0]
            .decode(String.self, column: "staff_id")
        let other = try connection.query("SELECT restaurant_id FROM restaurants WHERE restaurant_id <> $1 ORDER BY 1 LIMIT 1", [restaurant])[0]
            .decode(String.self, column: "restaurant_id")
        return Fixture(
            port: port, metricsPort: metricsPort, database: database, prefix: prefix, group: group, serveLog: serveLog, secret: secret, restaurant: restaurant,
            otherRestaurant: other, staff: staff, colleague: colleague, alert: try chosen.decode(String.self, column: "alert_id"),
            recommendation: try chosen.decode(String.self, column: "recommendation_id"), stem: stem)
    }

    // MARK: - Requests

    /// An answer: status, headers (lower-cased names) and body.
    struct Reply: Sendable {
        var status: Int
        var headers: [String: String]
        var body: String
        var json: [String: Any]? { (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] }
        var items: [[String: Any]] { json?["items"] as? [[String: Any]] ?? [] }
    }

    /// The responses one test got, to check against the OpenAPI document at its end.
    final class Recorder: Sendable {
        let lines = Mutex<[String]>([])

        func record(method: String, template: String, reply: Reply) {
            let object: [String: Any] = [
                "method": method, "path": template, "status": reply.status, "content_type": reply.headers["content-type"] ?? "", "body": reply.body,
            ]
            let line = String(decoding: (try? JSONSerialization.data(withJSONObject: object)) ?? Data(), as: UTF8.self)
            lines.withLock { $0.append(line) }
        }

        /// Runs the checker over everything recorded; fails the test with its report otherwise.
        func expectResponsesMatchTheSpec(_ stem: String) async throws {
            let file = stem + "-responses-\(UUID().uuidString.prefix(6)).jsonl"
            try (lines.withLock { $0 }.joined(separator: "\n") + "\n").write(toFile: file, atomically: true, encoding: .utf8)
            let log = file + ".check.log"
            let process = try Processes.start(
                command: ["/usr/bin/env", "python3", "Scripts/check_api_responses.py", "--spec", "Schemas/openapi.yaml", file], log: log)
            while process.isRunning { try await Task.sleep(for: .milliseconds(50)) }
            let report = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            #expect(process.terminationStatus == 0, "responses against Schemas/openapi.yaml:\n\(report.suffix(4_000))")
            #expect(report.contains(" responses checked"), "the checker ran: \(report.suffix(500))")
        }
    }

    /// Sends a request; `template` is the OpenAPI path it exercises.
    static func send(
        _ method: String, _ path: String, template: String, token: String?, language: String? = nil, body: String? = nil, recorder: Recorder
    ) async throws -> Reply {
        let (reply, _) = try await exchange(path, session: .shared) { request in
            request.httpMethod = method
            if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
            // URLSession would send the machine's languages otherwise; `*` states no preference.
            request.setValue(language ?? "*", forHTTPHeaderField: "Accept-Language")
            if let body {
                request.httpBody = Data(body.utf8)
                request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            }
        }
        recorder.record(method: method, template: template, reply: reply)
        return reply
    }

    /// One request to the served API or dashboard (redirects followed): the reply, and the path
    /// (with its query) it ended at.
    static func exchange(_ path: String, session: URLSession, _ configure: (inout URLRequest) -> Void) async throws -> (reply: Reply, path: String) {
        let fixture = try await fixture.value
        var request = URLRequest(url: try #require(URL(string: "http://127.0.0.1:\(fixture.port)\(path)"), "a URL: \(path)"))
        configure(&request)
        let (data, response) = try await session.data(for: request)
        let http = try #require(response as? HTTPURLResponse)
        var headers: [String: String] = [:]
        for (name, value) in http.allHeaderFields { headers[String(describing: name).lowercased()] = String(describing: value) }
        let landed = http.url.map { $0.path + ($0.query.map { "?" + $0 } ?? "") } ?? path
        return (Reply(status: http.statusCode, headers: headers, body: String(decoding: data, as: UTF8.self)), landed)
    }

    /// A token for a role and scope, signed with the served secret (`expiresIn` seconds).
    static func token(_ role: AccessRole, restaurants: [String] = [], staff: String? = nil, expiresIn: TimeInterval = 600) async throws -> String {
        let authority = try await TokenAuthority(keys: TokenKeys(hmacSecret: try await fixture.value.secret))
        return try await authority.issue(
            AccessClaims(
                subject: "\(role.rawValue)@example.pe", role: role, restaurants: restaurants, staffID: staff, issuer: "", audience: "", issuedAt: Date(),
                expiresAt: Date().addingTimeInterval(expiresIn)))
    }

    /// A path segment or query value with everything but unreserved characters percent-encoded.
    static func encoded(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~"))!
    }

    // MARK: - Access

    @Test func everyEndpointRefusesAMissingTokenForbidsOutsideTheScopeAndAnswersInsideIt() async throws {
        let f = try await Self.fixture.value
        let recorder = Recorder()
        let (r, other) = (f.restaurant, f.otherRestaurant)
        let who: [String: String] = [
            "owner": try await Self.token(.owner), "operator": try await Self.token(.operator),
            "manager": try await Self.token(.manager, restaurants: [r]), "other manager": try await Self.token(.manager, restaurants: [other]),
            "training manager": try await Self.token(.trainingManager, restaurants: [r]),
            "experience manager": try await Self.token(.experienceManager, restaurants: [r]),
            "staff": try await Self.token(.staff, restaurants: [r], staff: f.staff),
            "colleague": try await Self.token(.staff, restaurants: [r], staff: f.colleague),
        ]
        let base = "/api/v1/restaurants/\(Self.encoded(r))"
        let staffPath = "\(base)/staff/\(Self.encoded(f.staff))"
        // (method, path, OpenAPI template, body, who gets 200, who gets 403)
        let cases: [(String, String, String, String?, [String], [String])] = [
            ("GET", "/api/v1/restaurants", "/api/v1/restaurants", nil, Array(who.keys), []),
            ("GET", base, "/api/v1/restaurants/{restaurant}", nil, ["owner", "operator", "manager", "staff"], ["other manager"]),
            ("GET", base + "/staff", "/api/v1/restaurants/{restaurant}/staff", nil, ["owner", "manager", "training manager", "experience manager"],
             ["other manager", "staff", "operator"]),
            ("GET", staffPath, "/api/v1/restaurants/{restaurant}/staff/{staff}", nil, ["owner", "manager", "training manager", "staff"],
             ["colleague", "other manager", "operator"]),
            ("GET", staffPath + "/skill-history", "/api/v1/restaurants/{restaurant}/staff/{staff}/skill-history", nil, ["manager", "staff"],
             ["colleague", "other manager", "operator"]),
            ("GET", base + "/alerts", "/api/v1/restaurants/{restaurant}/alerts", nil, ["owner", "manager", "experience manager"],
             ["staff", "other manager", "operator"]),
            ("GET", base + "/alerts?staff_id=\(Self.encoded(f.staff))", "/api/v1/restaurants/{restaurant}/alerts", nil, ["staff", "manager"],
             ["colleague", "other manager"]),
            ("GET", base + "/alerts/\(Self.encoded(f.alert))", "/api/v1/restaurants/{restaurant}/alerts/{alert}", nil, ["staff", "manager", "owner"],
             ["colleague", "other manager", "operator"]),
            ("GET", base + "/recommendations", "/api/v1/restaurants/{restaurant}/recommendations", nil, ["owner", "training manager"],
             ["staff", "other manager", "operator"]),
            ("GET", base + "/recommendations?staff_id=\(Self.encoded(f.staff))", "/api/v1/restaurants/{restaurant}/recommendations", nil,
             ["staff", "training manager"], ["colleague", "other manager"]),
            ("POST", base + "/recommendations/\(Self.encoded(f.recommendation))/status", "/api/v1/restaurants/{restaurant}/recommendations/{recommendation}/status",
             #"{"status":"declined"}"#, [], ["experience manager", "staff", "other manager", "operator"]),
            ("GET", base + "/model-quality", "/api/v1/restaurants/{restaurant}/model-quality", nil, ["operator", "manager", "owner"],
             ["staff", "other manager"]),
            ("GET", "/api/v1/training-programs", "/api/v1/training-programs", nil, Array(who.keys), []),
            ("GET", "/api/v1/ingestion", "/api/v1/ingestion", nil, ["owner", "operator"], ["manager", "staff"]),
        ]
        for (method, path, template, body, allowed, forbidden) in cases {
            let anonymous = try await Self.send(method, path, template: template, token: nil, body: body, recorder: recorder)
            #expect(anonymous.status == 401, "\(method) \(path) without a token: \(anonymous.status)")
            #expect(anonymous.headers["www-authenticate"]?.hasPrefix("Bearer") == true, "\(method) \(path): a Bearer challenge")
            for name in allowed {
                let reply = try await Self.send(method, path, template: template, token: who[name], body: body, recorder: recorder)
                #expect(reply.status == 200, "\(method) \(path) as \(name): \(reply.status) \(reply.body.prefix(300))")
            }
            for name in forbidden {
                let reply = try await Self.send(method, path, template: template, token: who[name], body: body, recorder: recorder)
                #expect(reply.status == 403, "\(method) \(path) as \(name): \(reply.status) \(reply.body.prefix(300))")
            }
        }
        // Listings show only what the scope covers.
        let restaurants = try await Self.send("GET", "/api/v1/restaurants", template: "/api/v1/restaurants", token: who["other manager"], recorder: recorder)
        #expect(restaurants.items.map { $0["restaurant_id"] as? String } == [other], "a manager lists their own restaurants only")
        let mine = try await Self.send(
            "GET", base + "/alerts?staff_id=\(Self.encoded(f.staff))", template: "/api/v1/restaurants/{restaurant}/alerts", token: who["staff"], recorder: recorder)
        #expect(!mine.items.isEmpty && mine.items.allSatisfy { $0["staff_id"] as? String == f.staff }, "staff see their own alerts")
        // Staff see their restaurant's name and standards, not how many colleagues have a gap.
        for (name, counted) in [("staff", false), ("manager", true)] {
            let one = try await Self.send("GET", base, template: "/api/v1/restaurants/{restaurant}", token: who[name], recorder: recorder)
            let listed = try await Self.send("GET", "/api/v1/restaurants", template: "/api/v1/restaurants", token: who[name], recorder: recorder)
            for view in [one.json] + listed.items.map(Optional.some) {
                #expect(view?["name"] != nil && (view?["open_alerts"] != nil) == counted && (view?["staff_count"] != nil) == counted, "\(name): \(String(describing: view))")
            }
        }
        try await recorder.expectResponsesMatchTheSpec(f.stem)
    }

    @Test func expiredTamperedForeignAndUnsignedTokensAreRefusedAndNoTokenIsLogged() async throws {
        let f = try await Self.fixture.value
        let recorder = Recorder()
        let valid = try await Self.token(.owner)
        let expired = try await Self.token(.owner, expiresIn: -30)
        let parts = valid.split(separator: ".").map(String.init)
        // Another role in the payload, the signature kept.
        let payload = try #require(Data(base64Encoded: parts[1] + String(repeating: "=", count: (4 - parts[1].count % 4) % 4)))
        let forgedPayload = String(decoding: payload, as: UTF8.self).replacingOccurrences(of: "\"owner\"", with: "\"operator\"")
        let tampered = [parts[0], Data(forgedPayload.utf8).base64EncodedString().replacingOccurrences(of: "=", with: ""), parts[2]].joined(separator: ".")
        let foreign = try await TokenAuthority(keys: TokenKeys(hmacSecret: Array("a-secret-this-deployment-never-had!!".utf8))).issue(
            AccessClaims(subject: "x", role: .owner, issuer: "", audience: "", issuedAt: Date(), expiresAt: Date().addingTimeInterval(600)))
        let unsigned = Data(#"{"alg":"none","typ":"JWT"}"#.utf8).base64EncodedString().replacingOccurrences(of: "=", with: "") + "." + parts[1] + "."
        let refused: [(String, String, String)] = [
            (expired, "expired", "expired"), (tampered, "tampered", "invalid_signature"), (foreign, "signed by another key", "invalid_signature"),
            (unsigned, "alg none", "unsupported_algorithm"), ("not.a.jwt", "garbage", "malformed_token"),
        ]
        for (token, what, code) in refused {
            let reply = try await Self.send("GET", "/api/v1/restaurants", template: "/api/v1/restaurants", token: token, recorder: recorder)
            #expect(reply.status == 401, "\(what): \(reply.status)")
            #expect(reply.json?["code"] as? String == code, "\(what): \(reply.body)")
            #expect(reply.headers["www-authenticate"]?.contains("invalid_token") == true, "\(what): the challenge says invalid_token")
        }
        let accepted = try await Self.send("GET", "/api/v1/restaurants", template: "/api/v1/restaurants", token: valid, recorder: recorder)
        #expect(accepted.status == 200)
        let log = try String(contentsOfFile: f.serveLog, encoding: .utf8)
        #expect(log.contains("owner@example.pe"), "the caller is logged (by subject)")
        #expect(log.contains("GET /api/v1/restaurants 401"), "refused requests are logged too")
        for token in [valid, expired, tampered, foreign] {
            #expect(!log.contains(token) && !log.contains(String(token.split(separator: ".")[2])), "no token or signature in the log")
        }
        try await recorder.expectResponsesMatchTheSpec(f.stem)
    }

    // MARK: - Hostile input

    @Test func injectionStringsInEveryPathAndQueryParameterAreAnsweredWithoutHarm() async throws {
        let f = try await Self.fixture.value
        let recorder = Recorder()
        let owner = try await Self.token(.owner)
        let before = try Self.counts(f.database)
        let hostile = [
            "' OR '1'='1", "1; DROP TABLE gap_alerts; --", "\" OR \"\"=\"", "') UNION SELECT alert_id FROM gap_alerts--", "../../etc/passwd",
            "$(reboot)", "<script>alert(1)</script>", "ñandú 🍷", "a\u{0}b", "%", String(repeating: "A", count: 300),
        ]
        let r = Self.encoded(f.restaurant)
        let s = Self.encoded(f.staff)
        for value in hostile.map(Self.encoded) {
            let paths: [(String, String)] = [
                ("/api/v1/restaurants/\(value)", "/api/v1/restaurants/{restaurant}"),
                ("/api/v1/restaurants/\(value)/staff", "/api/v1/restaurants/{restaurant}/staff"),
                ("/api/v1/restaurants/\(r)/staff/\(value)", "/api/v1/restaurants/{restaurant}/staff/{staff}"),
                ("/api/v1/restaurants/\(r)/staff/\(value)/skill-history", "/api/v1/restaurants/{restaurant}/staff/{staff}/skill-history"),
                ("/api/v1/restaurants/\(value)/alerts", "/api/v1/restaurants/{restaurant}/alerts"),
                ("/api/v1/restaurants/\(r)/alerts/\(value)", "/api/v1/restaurants/{restaurant}/alerts/{alert}"),
                ("/api/v1/restaurants/\(value)/recommendations", "/api/v1/restaurants/{restaurant}/recommendations"),
                ("/api/v1/restaurants/\(value)/model-quality", "/api/v1/restaurants/{restaurant}/model-quality"),
            ]
            for (path, template) in paths {
                let reply = try await Self.send("GET", path, template: template, token: owner, recorder: recorder)
                #expect([400, 404].contains(reply.status), "\(path): \(reply.status) \(reply.body.prefix(200))")
            }
            let post = try await Self.send(
                "POST", "/api/v1/restaurants/\(r)/recommendations/\(value)/status", template: "/api/v1/restaurants/{restaurant}/recommendations/{recommendation}/status",
                token: owner, body: #"{"status":"assigned"}"#, recorder: recorder)
            #expect([400, 404].contains(post.status), "POST status of \(value): \(post.status)")
            let queries: [(String, String, Set<Int>)] = [
                ("/api/v1/restaurants/\(r)/alerts?staff_id=\(value)", "/api/v1/restaurants/{restaurant}/alerts", [200, 400]),
                ("/api/v1/restaurants/\(r)/alerts?skill=\(value)", "/api/v1/restaurants/{restaurant}/alerts", [400]),
                ("/api/v1/restaurants/\(r)/alerts?status=\(value)", "/api/v1/restaurants/{restaurant}/alerts", [400]),
                ("/api/v1/restaurants/\(r)/alerts?min_severity=\(value)", "/api/v1/restaurants/{restaurant}/alerts", [400]),
                ("/api/v1/restaurants/\(r)/alerts?from=\(value)", "/api/v1/restaurants/{restaurant}/alerts", [400]),
                ("/api/v1/restaurants/\(r)/alerts?to=\(value)", "/api/v1/restaurants/{restaurant}/alerts", [400]),
                ("/api/v1/restaurants/\(r)/alerts?cursor=\(value)", "/api/v1/restaurants/{restaurant}/alerts", [400]),
                ("/api/v1/restaurants/\(r)/alerts?limit=\(value)", "/api/v1/restaurants/{restaurant}/alerts", [400]),
                ("/api/v1/restaurants/\(r)/recommendations?alert_id=\(value)", "/api/v1/restaurants/{restaurant}/recommendations", [200, 400]),
                ("/api/v1/restaurants/\(r)/recommendations?staff_id=\(value)", "/api/v1/restaurants/{restaurant}/recommendations", [200, 400]),
                ("/api/v1/restaurants/\(r)/recommendations?status=\(value)", "/api/v1/restaurants/{restaurant}/recommendations", [400]),
                ("/api/v1/restaurants/\(r)/staff?role=\(value)", "/api/v1/restaurants/{restaurant}/staff", [400]),
                ("/api/v1/restaurants/\(r)/staff/\(s)/skill-history?skill=\(value)", "/api/v1/restaurants/{restaurant}/staff/{staff}/skill-history", [400]),
                ("/api/v1/restaurants/\(r)/staff/\(s)/skill-history?from=\(value)", "/api/v1/restaurants/{restaurant}/staff/{staff}/skill-history", [400]),
                ("/api/v1/training-programs?skill=\(value)", "/api/v1/training-programs", [400]),
                ("/api/v1/restaurants?\(value)=1", "/api/v1/restaurants", [400]),
            ]
            for (path, template, expected) in queries {
                let reply = try await Self.send("GET", path, template: template, token: owner, recorder: recorder)
                #expect(expected.contains(reply.status), "\(path): \(reply.status) \(reply.body.prefix(200))")
                if reply.status == 200 { #expect(reply.items.isEmpty, "\(path) matches nothing") }
                if reply.status == 400 { #expect(reply.json?["parameter"] is String, "\(path): the problem names the parameter") }
            }
        }
        #expect(try Self.counts(f.database) == before, "the tables are untouched")
        try await recorder.expectResponsesMatchTheSpec(f.stem)
    }

    /// Rows in the tables an injection would reach.
    static func counts(_ database: String) throws -> [Int] {
        let connection = try PostgresConnection(connectionString: database, logger: IntegrationEnvironment.logger)
        return try ["gap_alerts", "training_recommendations", "staff_skills", "restaurants", "training_programs"].map { table in
            try connection.query("SELECT count(*)::int AS n FROM \(table)")[0].decode(Int.self, column: "n")
        }
    }

    // MARK: - Listings

    @Test func pagesOfAListingHoldEveryItemOnceInAStableOrder() async throws {
        let f = try await Self.fixture.value
        let recorder = Recorder()
        let owner = try await Self.token(.owner)
        for (listing, template, key) in [
            ("alerts", "/api/v1/restaurants/{restaurant}/alerts", "alert_id"),
            ("recommendations", "/api/v1/restaurants/{restaurant}/recommendations", "recommendation_id"),
            ("staff", "/api/v1/restaurants/{restaurant}/staff", "staff_id"),
        ] {
            let base = "/api/v1/restaurants/\(Self.encoded(f.restaurant))/\(listing)"
            let whole = try await Self.send("GET", base + "?limit=200", template: template, token: owner, recorder: recorder)
            #expect(whole.json?["next_cursor"] == nil, "\(listing): one page of 200 holds them all")
            let all = whole.items.compactMap { $0[key] as? String }
            #expect(all.count >= 3, "\(listing): enough items to page (\(all.count))")
            var paged: [String] = []
            var cursor: String?
            repeat {
                let reply = try await Self.send(
                    "GET", base + "?limit=2" + (cursor.map { "&cursor=\($0)" } ?? ""), template: template, token: owner, recorder: recorder)
                #expect(reply.status == 200)
                paged += reply.items.compactMap { $0[key] as? String }
                cursor = reply.json?["next_cursor"] as? String
            } while cursor != nil && paged.count <= all.count
            #expect(paged == all, "\(listing): pages of 2 give the same items in the same order")
        }
        // A cursor of one listing is refused by another.
        let alerts = try await Self.send(
            "GET", "/api/v1/restaurants/\(Self.encoded(f.restaurant))/alerts?limit=1", template: "/api/v1/restaurants/{restaurant}/alerts", token: owner,
            recorder: recorder)
        let cursor = try #require(alerts.json?["next_cursor"] as? String)
        let misused = try await Self.send(
            "GET", "/api/v1/restaurants/\(Self.encoded(f.restaurant))/recommendations?cursor=\(cursor)",
            template: "/api/v1/restaurants/{restaurant}/recommendations", token: owner, recorder: recorder)
        #expect(misused.status == 400 && misused.json?["parameter"] as? String == "cursor")
        // A forged cursor of the right shape, whose time is not a time: refused before SQL.
        let forged = Base64URL.encode(Array(#"{"k":["x","gap-1"],"l":"alerts"}"#.utf8))
        let refused = try await Self.send(
            "GET", "/api/v1/restaurants/\(Self.encoded(f.restaurant))/alerts?cursor=\(forged)", template: "/api/v1/restaurants/{restaurant}/alerts",
            token: owner, recorder: recorder)
        #expect(refused.status == 400 && refused.json?["parameter"] as? String == "cursor", "forged cursor: \(refused.status)")
        try await recorder.expectResponsesMatchTheSpec(f.stem)
    }

    @Test func staffWhoLeftAreListedApartWithTheirHireAndDepartureAndKeepTheirPage() async throws {
        let f = try await Self.fixture.value
        let recorder = Recorder()
        let owner = try await Self.token(.owner)
        let truth = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: f.stem + ".truth.json"))) as? [String: Any])
        let instant = { (text: String) -> Date? in ISO8601DateFormatter().date(from: text) }
        var departures: [String: Date] = [:]
        var hires: [String: Date] = [:]
        // The truth's times carry Lima's offset: their first ten characters are the local day.
        var localDayOfDeparture: [String: String] = [:]
        for member in truth["staff"] as? [[String: Any]] ?? [] {
            guard let id = member["staff_id"] as? String else { continue }
            if let left = member["terminated_at"] as? String, let leftAt = instant(left) {
                departures[id] = leftAt
                localDayOfDeparture[id] = String(left.prefix(10))
            }
            hires[id] = (member["hired_at"] as? String).flatMap(instant)
        }
        let template = "/api/v1/restaurants/{restaurant}/staff"
        var departedListed = 0
        let connection = try PostgresConnection(connectionString: f.database, logger: IntegrationEnvironment.logger)
        for restaurant in try connection.query("SELECT restaurant_id FROM restaurants ORDER BY 1").map({ try $0.decode(String.self, column: "restaurant_id") }) {
            let base = "/api/v1/restaurants/\(Self.encoded(restaurant))/staff?limit=200"
            let current = try await Self.send("GET", base, template: template, token: owner, recorder: recorder)
            let departed = try await Self.send("GET", base + "&employment=departed", template: template, token: owner, recorder: recorder)
            let all = try await Self.send("GET", base + "&employment=all", template: template, token: owner, recorder: recorder)
            #expect(current.status == 200 && departed.status == 200 && all.status == 200)
            let currentIDs = current.items.compactMap { $0["staff_id"] as? String }
            let departedIDs = departed.items.compactMap { $0["staff_id"] as? String }
            #expect(currentIDs.allSatisfy { departures[$0] == nil }, "\(restaurant): nobody who left among the current staff")
            #expect(current.items.allSatisfy { $0["left_at"] == nil })
            for item in departed.items {
                let id = try #require(item["staff_id"] as? String)
                let left = try #require((item["left_at"] as? String).flatMap(instant), "\(id): left_at")
                #expect(departures[id].map { abs($0.timeIntervalSince(left)) < 1 } == true, "\(id): left when the HR system said")
                let hired = try #require((item["hired_at"] as? String).flatMap(instant), "\(id): hired_at")
                #expect(hires[id].map { abs($0.timeIntervalSince(hired)) < 1 } == true, "\(id): hired when the HR system said")
            }
            #expect(Set(all.items.compactMap { $0["staff_id"] as? String }) == Set(currentIDs + departedIDs), "\(restaurant): all = current + departed")
            let assessed = try connection.query("SELECT DISTINCT staff_id FROM staff_skills WHERE restaurant_id = $1", [restaurant])
                .map { try $0.decode(String.self, column: "staff_id") }
            #expect(Set(departedIDs) == Set(assessed.filter { departures[$0] != nil }), "\(restaurant): every assessed person who left, and only they")
            let overview = try await Self.send(
                "GET", "/api/v1/restaurants/\(Self.encoded(restaurant))", template: "/api/v1/restaurants/{restaurant}", token: owner, recorder: recorder)
            #expect(overview.json?["staff_count"] as? Int == currentIDs.count, "\(restaurant): the head count is of current staff")
            departedListed += departedIDs.count
            if let gone = departedIDs.first {
                let page = try await Self.send(
                    "GET", "/api/v1/restaurants/\(Self.encoded(restaurant))/staff/\(Self.encoded(gone))", template: "/api/v1/restaurants/{restaurant}/staff/{staff}",
                    token: owner, recorder: recorder)
                #expect(page.status == 200 && (page.json?["staff"] as? [String: Any])?["left_at"] is String, "their page stays, saying they left")
                let html = try await Self.page("/dashboard/restaurants/\(Self.encoded(restaurant))/staff/\(Self.encoded(gone))", token: owner).reply
                #expect(html.status == 200 && html.body.contains("dejó el restaurante el \(localDayOfDeparture[gone] ?? "?")"), "the day they left, in Lima")
                let heat = try await Self.page("/dashboard/restaurants/\(Self.encoded(restaurant))", token: owner).reply
                #expect(heat.body.contains("Ya no trabajan aquí (\(departedIDs.count))"), "the overview lists them apart")
            }
        }
        #expect(departedListed > 0, "the simulated world has departures of assessed staff (seed 11)")
        let wrong = try await Self.send(
            "GET", "/api/v1/restaurants/\(Self.encoded(f.restaurant))/staff?employment=former", template: template, token: owner, recorder: recorder)
        #expect(wrong.status == 400 && wrong.json?["parameter"] as? String == "employment")
        try await recorder.expectResponsesMatchTheSpec(f.stem)
    }

    @Test func answersAreInSpanishByDefaultAndInEnglishWhenAsked() async throws {
        let f = try await Self.fixture.value
        let recorder = Recorder()
        let manager = try await Self.token(.manager, restaurants: [f.restaurant])
        let path = "/api/v1/restaurants/\(Self.encoded(f.restaurant))/alerts/\(Self.encoded(f.alert))"
        let template = "/api/v1/restaurants/{restaurant}/alerts/{alert}"
        let spanish = try await Self.send("GET", path, template: template, token: manager, recorder: recorder)
        let english = try await Self.send("GET", path, template: template, token: manager, language: "en-GB,en;q=0.9,es;q=0.5", recorder: recorder)
        #expect(spanish.headers["content-language"] == "es" && english.headers["content-language"] == "en")
        let textES = try #require((spanish.json?["evidence"] as? [String: Any])?["text"] as? String)
        let textEN = try #require((english.json?["evidence"] as? [String: Any])?["text"] as? String)
        #expect(textES != textEN && !textES.isEmpty && !textEN.isEmpty, "the evidence in each language")
        let problemES = try await Self.send("GET", "/api/v1/restaurants/nowhere", template: "/api/v1/restaurants/{restaurant}", token: try await Self.token(.owner), recorder: recorder)
        let problemEN = try await Self.send(
            "GET", "/api/v1/restaurants/nowhere", template: "/api/v1/restaurants/{restaurant}", token: try await Self.token(.owner), language: "en",
            recorder: recorder)
        #expect(problemES.status == 404 && problemES.headers["content-type"] == "application/problem+json")
        #expect(problemES.json?["title"] as? String == "No encontrado" && problemEN.json?["title"] as? String == "Not found")
        try await recorder.expectResponsesMatchTheSpec(f.stem)
    }

    // MARK: - Dashboard

    /// A dashboard page with the session cookie (a session of its own, so that no cookie the
    /// dashboard sets carries over), redirects followed; also where it ended up.
    static func page(_ path: String, token: String?) async throws -> (reply: Reply, path: String) {
        try await exchange(path, session: URLSession(configuration: .ephemeral)) { request in
            if let token { request.setValue("skillstream_token=\(token)", forHTTPHeaderField: "Cookie") }
            request.setValue("es", forHTTPHeaderField: "Accept-Language")
        }
    }

    /// Takes each response as it comes, redirects included (their cookies are what is looked at).
    final class NoRedirects: NSObject, URLSessionTaskDelegate, Sendable {
        func urlSession(
            _ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse, newRequest request: URLRequest,
            completionHandler: @escaping (URLRequest?) -> Void
        ) { completionHandler(nil) }
    }

    @Test func theSignInAndSignOutFormsTakeOnlyPostsFromTheDashboardItself() async throws {
        let f = try await Self.fixture.value
        let owner = try await Self.token(.owner)
        func post(_ path: String, form: String, headers: [String: String]) async throws -> Reply {
            let session = URLSession(configuration: .ephemeral, delegate: NoRedirects(), delegateQueue: nil)
            return try await Self.exchange(path, session: session) { request in
                request.httpMethod = "POST"
                request.httpBody = Data(form.utf8)
                request.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
                request.setValue("skillstream_token=\(owner)", forHTTPHeaderField: "Cookie")
                for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
            }.reply
        }
        let here = "http://127.0.0.1:\(f.port)"
        let cases: [(headers: [String: String], fromHere: Bool)] = [
            (["Sec-Fetch-Site": "same-origin", "Origin": here], true),
            (["Origin": here], true),  // a browser too old for Sec-Fetch-Site
            (["Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"], false),
            (["Origin": "https://evil.example"], false),
            ([:], false),
        ]
        for (headers, fromHere) in cases {
            let signIn = try await post("/dashboard/login", form: "token=" + Self.encoded(owner), headers: headers)
            #expect(signIn.status == 303 && (signIn.headers["set-cookie"]?.hasPrefix("skillstream_token=ey") ?? false) == fromHere, "sign-in \(headers): \(signIn.headers)")
            let signOut = try await post("/dashboard/logout", form: "", headers: headers)
            #expect(signOut.status == 303 && (signOut.headers["set-cookie"]?.contains("Max-Age=0") ?? false) == fromHere, "sign-out \(headers): \(signOut.headers)")
        }
    }

    @Test func dashboardPagesKeepTheAPIsScopesAndAnswerHostilePathsWithAnErrorPage() async throws {
        let f = try await Self.fixture.value
        let r = Self.encoded(f.restaurant)
        let overview = "/dashboard/restaurants/\(r)"
        let signedOut = try await Self.page(overview, token: nil)
        #expect(signedOut.path == "/dashboard/login" && signedOut.reply.body.contains("<form class=\"login\""), "signed out: the sign-in page")
        let expired = try await Self.page(overview, token: try await Self.token(.owner, expiresIn: -30))
        #expect(expired.path == "/dashboard/login?reason=expired", "an expired session: the sign-in page, saying why")
        let staff = try await Self.token(.staff, restaurants: [f.restaurant], staff: f.staff)
        #expect(try await Self.page(overview, token: staff).reply.status == 403, "staff do not see the restaurant overview")
        #expect(try await Self.page("\(overview)/staff/\(Self.encoded(f.colleague))", token: staff).reply.status == 403, "nor a colleague's page")
        #expect(try await Self.page("/dashboard/operations", token: staff).reply.status == 403)
        let own = try await Self.page("\(overview)/staff/\(Self.encoded(f.staff))", token: staff).reply
        #expect(own.status == 200 && own.headers["content-type"] == "text/html; charset=utf-8" && own.body.contains("Brechas y su evidencia"))
        #expect(own.body.contains("de probabilidad de brecha ·"), "each score says how sure it is")
        #expect(own.headers["content-security-policy"]?.contains("default-src 'none'") == true, "nothing loads from elsewhere")
        let home = try await Self.page("/dashboard", token: staff)
        #expect(home.path == "/dashboard/restaurants/\(r)/staff/\(Self.encoded(f.staff))", "staff land on their own page")
        let manager = try await Self.token(.manager, restaurants: [f.restaurant])
        #expect(try await Self.page("/dashboard/restaurants/\(Self.encoded(f.otherRestaurant))", token: manager).reply.status == 403)
        let page = try await Self.page(overview, token: manager).reply
        #expect(page.status == 200 && page.body.contains(f.staff) && page.body.contains("<svg"), "the heat map and the trend charts")
        #expect(page.body.contains("% de probabilidad de brecha ·"), "each cell's title says how sure its score is")
        let log = try String(contentsOfFile: f.serveLog, encoding: .utf8)
        #expect(log.contains("GET \(overview) 200") && log.contains("GET \(overview) 403"), "dashboard requests are logged")
        let owner = try await Self.token(.owner)
        for value in ["<script>alert(1)</script>", "' OR '1'='1", "a\u{0}b", String(repeating: "x", count: 300)].map(Self.encoded) {
            for path in ["/dashboard/restaurants/\(value)", "\(overview)/staff/\(value)"] {
                let reply = try await Self.page(path, token: owner).reply
                #expect([400, 404].contains(reply.status) && reply.headers["content-type"] == "text/html; charset=utf-8", "\(path): \(reply.status)")
                #expect(!reply.body.contains("<script>alert"), "\(path): the value is escaped")
            }
        }
        for path in ["/dashboard/no-such-page", "/dashboard/restaurants/\(Self.encoded(f.restaurant))/nothing/here"] {
            let reply = try await Self.page(path, token: owner).reply
            #expect(reply.status == 404 && reply.headers["content-type"] == "text/html; charset=utf-8", "\(path): a dashboard page, not JSON")
            #expect(reply.body.contains("href=\"/dashboard\""), "\(path): with a way back")
        }
    }

    // MARK: - Training

    @Test func assigningARecommendationPublishesTrainingEnrolledRecordsWhoDidItAndTheProcessorTakesIt() async throws {
        let f = try await Self.fixture.value
        let recorder = Recorder()
        let trainer = try await Self.token(.trainingManager, restaurants: [f.restaurant])
        let path = "/api/v1/restaurants/\(Self.encoded(f.restaurant))/recommendations/\(Self.encoded(f.recommendation))/status"
        let template = "/api/v1/restaurants/{restaurant}/recommendations/{recommendation}/status"
        let assigned = try await Self.send("POST", path, template: template, token: trainer, body: #"{"status":"assigned","note":"Turno del martes"}"#, recorder: recorder)
        #expect(assigned.status == 200, "\(assigned.body)")
        #expect(assigned.json?["status"] as? String == "assigned" && assigned.json?["status_changed_by"] as? String == "training_manager@example.pe")
        // Asked again: nothing changes, nothing is published twice.
        let again = try await Self.send("POST", path, template: template, token: trainer, body: #"{"status":"assigned"}"#, recorder: recorder)
        #expect(again.status == 200 && again.json?["status"] as? String == "assigned")
        let backwards = try await Self.send("POST", path, template: template, token: trainer, body: #"{"status":"proposed"}"#, recorder: recorder)
        #expect(backwards.status == 400, "proposed is not a status one moves to")
        let unreadable = try await Self.send("POST", path, template: template, token: trainer, body: #"{"estado":"#, recorder: recorder)
        #expect(unreadable.status == 400)
        let huge = try await Self.send(
            "POST", path, template: template, token: trainer, body: #"{"status":"assigned","note":""# + String(repeating: "x", count: 20_000) + #""}"#,
            recorder: recorder)
        #expect(huge.status == 413, "a body over 16 KiB: \(huge.status)")
        let done = try await Self.send("POST", path, template: template, token: trainer, body: #"{"status":"done"}"#, recorder: recorder)
        #expect(done.status == 200 && done.json?["status"] as? String == "done")
        let conflict = try await Self.send("POST", path, template: template, token: trainer, body: #"{"status":"declined"}"#, recorder: recorder)
        #expect(conflict.status == 409 && conflict.json?["code"] as? String == "invalid_transition")

        let connection = try PostgresConnection(connectionString: f.database, logger: IntegrationEnvironment.logger)
        let trail = try connection.query(
            "SELECT from_status, to_status, changed_by, changed_by_role, note, published_event_id FROM recommendation_status_changes WHERE recommendation_id = $1 ORDER BY id",
            [f.recommendation])
        #expect(trail.map { "\($0["from_status"] ?? "")→\($0["to_status"] ?? "")" } == ["proposed→assigned", "assigned→done"])
        #expect(trail.first?["changed_by"] == "training_manager@example.pe" && trail.first?["changed_by_role"] == "training_manager")
        #expect(trail.first?["note"] == "Turno del martes" && trail.first?["published_event_id"] == "enrol-" + f.recommendation)

        // The event reached hr.staff-events, keyed by restaurant, once.
        let topic = f.prefix + "hr.staff-events"
        try await eventually("the enrolment is published", timeout: .seconds(30)) {
            try connection.query("SELECT count(*)::int AS n FROM outbox WHERE partition = -1")[0].decode(Int.self, column: "n") == 0
        }
        let enrolments = try await Processes.records(onTopic: topic).filter { message in
            (try? JSONSerialization.jsonObject(with: Data(message.value ?? [])) as? [String: Any])?["event_id"] as? String == "enrol-" + f.recommendation
        }
        #expect(enrolments.count == 1, "one training_enrolled event on \(topic)")
        let event = try #require(enrolments.first.flatMap { try JSONSerialization.jsonObject(with: Data($0.value ?? [])) as? [String: Any] })
        #expect(event["type"] as? String == "training_enrolled" && event["staff_id"] as? String == f.staff)
        #expect(enrolments.first?.key.map { String(decoding: $0, as: UTF8.self) } == f.restaurant)

        // The processor takes it through the same pipeline: one more record, processed.
        let counters = { (name: String) throws -> Int in
            try connection.query("SELECT coalesce(sum(value), 0)::int AS n FROM processing_counters WHERE consumer_group = $1 AND counter = $2", [f.group, name])[0]
                .decode(Int.self, column: "n")
        }
        let (consumed, processed) = (try counters("consumed"), try counters("processed"))
        try await Processes.run(
            try Processes.processArguments(postgres: f.database, prefix: f.prefix, group: f.group, extra: ["--exit-when-idle", "3"]), log: f.stem + ".process2.log")
        #expect(try counters("consumed") == consumed + 1 && counters("processed") == processed + 1, "the enrolment was processed once")
        try await recorder.expectResponsesMatchTheSpec(f.stem)
    }

    @Test func nobodyCanBeAssignedATrainingAfterLeavingTheRestaurant() async throws {
        let f = try await Self.fixture.value
        let recorder = Recorder()
        let connection = try PostgresConnection(connectionString: f.database, logger: IntegrationEnvironment.logger)
        // A proposal for someone the HR system has since said left (the fixture's own departures
        // came before any proposal for them): their departure, undone when the test ends.
        let proposal = try #require(
            try connection.query(
                """
                SELECT t.recommendation_id, t.restaurant_id, t.staff_id FROM training_recommendations t
                JOIN staff_employment e ON e.restaurant_id = t.restaurant_id AND e.staff_id = t.staff_id
                WHERE e.left_at IS NULL AND t.status = 'proposed' AND t.recommendation_id <> $1 ORDER BY t.recommendation_id LIMIT 1
                """, [f.recommendation]
            ).first, "a proposal")
        let (id, restaurant, staff) = (proposal["recommendation_id"] ?? "", proposal["restaurant_id"] ?? "", proposal["staff_id"] ?? "")
        _ = try connection.query(
            "UPDATE staff_employment SET left_at = $3::timestamptz WHERE restaurant_id = $1 AND staff_id = $2", [restaurant, staff, "2026-08-01T18:00:00Z"])
        defer { _ = try? connection.query("UPDATE staff_employment SET left_at = NULL WHERE restaurant_id = $1 AND staff_id = $2", [restaurant, staff]) }
        let trainer = try await Self.token(.trainingManager, restaurants: [restaurant])
        let assigned = try await Self.send(
            "POST", "/api/v1/restaurants/\(Self.encoded(restaurant))/recommendations/\(Self.encoded(id))/status",
            template: "/api/v1/restaurants/{restaurant}/recommendations/{recommendation}/status", token: trainer, body: #"{"status":"assigned"}"#,
            recorder: recorder)
        #expect(assigned.status == 409 && assigned.json?["code"] as? String == "staff_departed", "\(assigned.status) \(assigned.body)")
        #expect(try connection.query("SELECT status FROM training_recommendations WHERE recommendation_id = $1", [id]).first?["status"] == "proposed")
        let published = try connection.query("SELECT count(*)::int AS n FROM recommendation_status_changes WHERE recommendation_id = $1", [id])
        #expect(try published[0].decode(Int.self, column: "n") == 0, "no change recorded, no enrolment published")
        try await recorder.expectResponsesMatchTheSpec(f.stem)
    }

    @Test func aProposalThatALaterRoundReplacedSaysSoAndKeepsItsStatus() async throws {
        let f = try await Self.fixture.value
        let recorder = Recorder()
        let connection = try PostgresConnection(connectionString: f.database, logger: IntegrationEnvironment.logger)
        // A later round for an alert other than the one the assignment test moves, as the
        // processor writes one when a completed training left the gap open: 14 days on.
        let later = try #require(
            try connection.query(
                """
                INSERT INTO training_recommendations (recommendation_id, alert_id, restaurant_id, staff_id, skill, program_id, rank,
                                                      expected_improvement, confidence, recommended_at)
                SELECT 'rec-later-round-' || recommendation_id, alert_id, restaurant_id, staff_id, skill, program_id, 1, expected_improvement,
                       confidence, recommended_at + interval '14 days'
                FROM training_recommendations WHERE alert_id <> $1 ORDER BY recommended_at DESC, recommendation_id LIMIT 1
                RETURNING recommendation_id, alert_id, restaurant_id, staff_id,
                          to_char(recommended_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS recommended_at
                """, [f.alert]
            ).first, "a recommendation to follow up")
        // The fixture's database is shared by the suite: the made-up round goes when the test ends.
        defer { _ = try? connection.query("DELETE FROM training_recommendations WHERE recommendation_id = $1", [later["recommendation_id"] ?? ""]) }
        let (alert, restaurant, staff) = (later["alert_id"] ?? "", later["restaurant_id"] ?? "", later["staff_id"] ?? "")
        let manager = try await Self.token(.manager, restaurants: [restaurant])
        let listing = try await Self.send(
            "GET", "/api/v1/restaurants/\(Self.encoded(restaurant))/recommendations?alert_id=\(Self.encoded(alert))",
            template: "/api/v1/restaurants/{restaurant}/recommendations", token: manager, recorder: recorder)
        #expect(listing.status == 200, "\(listing.body)")
        let items = listing.items
        #expect(items.count >= 2 && items.first?["recommendation_id"] as? String == later["recommendation_id"], "the later round first")
        #expect(items.first?["superseded_at"] == nil, "the latest round is current")
        let statuses = Dictionary(
            uniqueKeysWithValues: try connection.query("SELECT recommendation_id, status FROM training_recommendations WHERE alert_id = $1", [alert]).map {
                ($0["recommendation_id"] ?? "", $0["status"] ?? "")
            })
        for item in items.dropFirst() {
            let at = item["recommended_at"] as? String ?? ""
            let next = items.compactMap { $0["recommended_at"] as? String }.filter { $0 > at }.min()
            #expect(item["superseded_at"] as? String == next, "each earlier round points at the round after it: \(item)")
            #expect(item["status"] as? String == statuses[item["recommendation_id"] as? String ?? ""], "the status stays what people set")
        }
        #expect(items.contains { $0["superseded_at"] as? String == later["recommended_at"] }, "the round before it points at it")
        let page = try await Self.page("/dashboard/restaurants/\(Self.encoded(restaurant))/staff/\(Self.encoded(staff))", token: manager).reply
        #expect(page.status == 200 && page.body.contains("reemplazada el "), "the staff page says which proposals were replaced")
        try await recorder.expectResponsesMatchTheSpec(f.stem)
    }

    /// A database that answers nothing (the PostgreSQL cluster SIGSTOPped: sessions stay open
    /// and TCP is acknowledged) gets a 503 with Retry-After once serve's answer timeout has
    /// passed, not a request that never ends; /readyz says not ready; both recover once it
    /// answers again.
    @Test func aDatabaseThatAnswersNothingIsA503AfterTheAnswerTimeoutAndServeRecovers() async throws {
        let f = try await Self.fixture.value
        let port = try freeLoopbackPort()
        let serve = try Processes.start(
            [
                "serve", "--postgres", f.database, "--topic-prefix", f.prefix, "--group", f.group, "--host", "127.0.0.1", "--port", String(port),
                "--jwt-secret-file", f.stem + ".secret", "--postgres-answer-timeout", "2", "--metrics-port", "0",
            ], log: f.stem + ".serve-frozen.log")
        defer { serve.terminate() }
        try await eventually("serve answers /readyz", timeout: .seconds(30)) { await Processes.get(port: port, "/readyz")?.status == 200 }
        let owner = try await Self.token(.owner)
        let alerts = { try await Self.alerts(port: port, restaurant: f.restaurant, token: owner) }
        #expect(try await alerts().status == 200)
        let frozen = try Processes.freezePostgres()
        defer { Processes.thaw(frozen) }  // whatever happens: later tests need it
        let meanwhile = try await alerts()
        #expect(meanwhile.status == 503 && meanwhile.retryAfter == "5", "\(meanwhile)")
        #expect(await Processes.get(port: port, "/readyz")?.status == 503)
        Processes.thaw(frozen)
        try await eventually("serve answers again once PostgreSQL does", timeout: .seconds(60)) { try await alerts().status == 200 }
        #expect(await Processes.get(port: port, "/readyz")?.status == 200)
    }

    /// SIGTERM while the database answers nothing (the cluster SIGSTOPped), with serve's
    /// default 60 s answer timeout: the request waiting on PostgreSQL is answered 503 once the
    /// stop's deadline for PostgreSQL (5 s) has passed — the calls libpq cannot interrupt (a
    /// session being opened) are not waited for — and serve exits 0 within 10 s, well within the
    /// Deployment's 20 s grace period, instead of waiting for the answer timeout.
    @Test func sigtermWhileTheDatabaseAnswersNothingAnswersTheWaitingRequest503AndStopsServe() async throws {
        let f = try await Self.fixture.value
        let port = try freeLoopbackPort()
        let log = f.stem + ".serve-frozen-stop.log"
        let serve = try Processes.start(
            [
                "serve", "--postgres", f.database, "--topic-prefix", f.prefix, "--group", f.group, "--host", "127.0.0.1", "--port", String(port),
                "--jwt-secret-file", f.stem + ".secret", "--metrics-port", "0",
            ], log: log)
        defer { serve.terminate() }
        try await eventually("serve answers /readyz", timeout: .seconds(30)) { await Processes.get(port: port, "/readyz")?.status == 200 }
        let owner = try await Self.token(.owner)
        #expect(try await Self.alerts(port: port, restaurant: f.restaurant, token: owner).status == 200)
        let frozen = try Processes.freezePostgres()
        defer { Processes.thaw(frozen) }  // whatever happens: later tests need it
        let waiting = Task { try await Self.alerts(port: port, restaurant: f.restaurant, token: owner) }
        try await Task.sleep(for: .seconds(2))  // the request is in, waiting on PostgreSQL
        let stopped = ContinuousClock.now
        serve.terminate()
        try await eventually("serve exits", timeout: .seconds(90)) { !serve.isRunning }
        let took = ContinuousClock.now - stopped
        let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        #expect(serve.terminationStatus == 0, "\(output.suffix(2_000))")
        #expect(took < .seconds(10), "stopped \(took) after SIGTERM; the answer timeout would have taken 60 s")
        #expect(output.contains("call(s) to PostgreSQL still unanswered 5.0 seconds after the stop were interrupted"), "\(output.suffix(2_000))")
        let answer = try await waiting.value
        #expect(answer.status == 503 && answer.retryAfter == "5", "the waiting request is told to retry: \(answer)")
    }

    /// GET /api/v1/restaurants/{restaurant}/alerts on serve at `port`: the status and Retry-After.
    static func alerts(port: Int, restaurant: String, token: String) async throws -> (status: Int, retryAfter: String?) {
        var request = URLRequest(url: try #require(URL(string: "http://127.0.0.1:\(port)/api/v1/restaurants/\(encoded(restaurant))/alerts")))
        request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        request.timeoutInterval = 60
        let (_, response) = try await URLSession.shared.data(for: request)
        let http = try #require(response as? HTTPURLResponse)
        return (http.statusCode, http.value(forHTTPHeaderField: "Retry-After"))
    }

    /// serve's /metrics, on a port of its own, counts and times every request by route
    /// template, method and the status the caller got (a refusal included), as Prometheus
    /// reads them.
    @Test func metricsCountEveryRequestByRouteMethodAndStatus() async throws {
        let f = try await Self.fixture.value
        let recorder = Recorder()
        let route = "http_route=\"/api/v1/restaurants/{restaurant}/alerts\""
        func requests(status: Int) async -> Double {
            let metrics = await Processes.get(port: f.metricsPort, "/metrics")?.body ?? ""
            return Processes.sum("hb_requests", in: metrics, where: [route, "http_request_method=\"GET\"", "http_response_status_code=\"\(status)\""])
        }
        let (answered, refused) = (await requests(status: 200), await requests(status: 401))
        let manager = try await Self.token(.manager, restaurants: [f.restaurant])
        let path = "/api/v1/restaurants/\(Self.encoded(f.restaurant))/alerts"
        for token in [manager, manager, manager, nil, nil] {
            let reply = try await Self.send("GET", path, template: "/api/v1/restaurants/{restaurant}/alerts", token: token, recorder: recorder)
            #expect(reply.status == (token == nil ? 401 : 200))
        }
        try await eventually("/metrics counts the three answered and the two refused requests", timeout: .seconds(10)) {
            let (nowAnswered, nowRefused) = (await requests(status: 200), await requests(status: 401))
            return nowAnswered == answered + 3 && nowRefused == refused + 2
        }
        let metrics = await Processes.get(port: f.metricsPort, "/metrics")?.body ?? ""
        #expect(Processes.sum("http_server_request_duration_count", in: metrics, where: [route]) >= 5, "each request is timed")
        #expect(metrics.contains("skillstream_outputs_parked_total"), "parked enrolments are counted (none here)")
        #expect(await Processes.get(port: f.port, "/metrics")?.status == 404, "/metrics stays off the API's port")
        try await recorder.expectResponsesMatchTheSpec(f.stem)
    }

    @Test func trainingProgramsCarryTheirMeasuredEffectivenessAndIngestionBalances() async throws {
        let f = try await Self.fixture.value
        let recorder = Recorder()
        let owner = try await Self.token(.owner)
        let programs = try await Self.send("GET", "/api/v1/training-programs?limit=200", template: "/api/v1/training-programs", token: owner, recorder: recorder)
        #expect(programs.items.count >= 12, "the default catalog")
        let timeliness = try await Self.send(
            "GET", "/api/v1/training-programs?skill=timeliness&role=server", template: "/api/v1/training-programs", token: owner, recorder: recorder)
        #expect(!timeliness.items.isEmpty && timeliness.items.allSatisfy { ($0["skills"] as? [String])?.contains("timeliness") == true })
        let ingestion = try await Self.send("GET", "/api/v1/ingestion", template: "/api/v1/ingestion", token: owner, recorder: recorder)
        let json = try #require(ingestion.json)
        #expect(json["balanced"] as? Bool == true && (json["consumed"] as? Int ?? 0) > 0)
        #expect(json["total_lag"] as? Int == 0, "the processor caught up before it stopped")
        let quality = try await Self.send(
            "GET", "/api/v1/restaurants/\(Self.encoded(f.restaurant))/model-quality", template: "/api/v1/restaurants/{restaurant}/model-quality", token: owner,
            recorder: recorder)
        let models = try #require(quality.json?["models"] as? [[String: Any]])
        #expect(Set(models.compactMap { $0["model"] as? String }) == ["logistic-regression", "hoeffding-adaptive-tree"])
        let history = try await Self.send(
            "GET", "/api/v1/restaurants/\(Self.encoded(f.restaurant))/staff/\(Self.encoded(f.staff))/skill-history?skill=timeliness",
            template: "/api/v1/restaurants/{restaurant}/staff/{staff}/skill-history", token: owner, recorder: recorder)
        let points = try #require(history.json?["points"] as? [[String: Any]])
        let days = points.compactMap { $0["day"] as? String }
        #expect(days.count >= 10 && days == days.sorted() && Set(days).count == days.count, "one point a day, oldest first")
        try await recorder.expectResponsesMatchTheSpec(f.stem)
    }
}
