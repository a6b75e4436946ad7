import ArgumentParser
import Foundation
import Logging
import SkillStreamDomain
import SkillStreamPostgres

/// `skillstream summary`: what the processor found, read from PostgreSQL, in words a manager
/// reads: per restaurant, the most severe open gaps with their evidence and the training
/// recommended for each; then the ingestion counts.
struct SummaryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "summary", abstract: "Print the open skill gaps per restaurant, with their evidence and recommended training (from PostgreSQL).")

    @OptionGroup var servers: ServerOptions
    @Option(help: "es (default) or en.") var language = "es"
    @Option(help: "Gaps shown per restaurant.") var top = 3

    func validate() throws {
        guard ["es", "en"].contains(language) else { throw ValidationError("--language is es or en.") }
        guard top > 0 else { throw ValidationError("--top must be positive.") }
    }

    func run() async throws {
        let spanish = language == "es"
        var logger = Logger(label: "skillstream.summary")
        logger.logLevel = .warning
        let connection = try servers.connectPostgres(logger: logger)
        let gaps = try connection.query(
            """
            SELECT a.alert_id, a.restaurant_id, coalesce(r.name, a.restaurant_id) AS restaurant, coalesce(r.city, '') AS city, a.staff_id,
                   coalesce(e.role, s.role, '') AS role, a.skill, a.severity, a.skill_score, a.benchmark, a.text_es, a.text_en,
                   to_char(a.opened_at, 'YYYY-MM-DD') AS opened, open_count
            FROM (SELECT *, row_number() OVER (PARTITION BY restaurant_id ORDER BY severity DESC, skill_score, alert_id) AS place,
                         count(*) OVER (PARTITION BY restaurant_id) AS open_count
                  FROM gap_alerts WHERE status = 'open') a
            LEFT JOIN restaurants r USING (restaurant_id)
            LEFT JOIN staff_skills s USING (restaurant_id, staff_id, skill)
            LEFT JOIN staff_employment e USING (restaurant_id, staff_id)
            WHERE a.place <= $1 ORDER BY a.restaurant_id, a.place
            """, [top])
        let recommendations = try connection.query(
            """
            SELECT t.alert_id, t.rank, t.expected_improvement, t.confidence, coalesce(p.title_es, t.program_id) AS title_es,
                   coalesce(p.title_en, t.program_id) AS title_en
            FROM training_recommendations t JOIN gap_alerts a USING (alert_id) LEFT JOIN training_programs p USING (program_id)
            WHERE a.status = 'open'
              AND t.recommended_at = (SELECT max(l.recommended_at) FROM training_recommendations l WHERE l.alert_id = t.alert_id)
            ORDER BY t.alert_id, t.rank
            """)
        var byAlert: [String: [String]] = [:]
        for row in recommendations {
            let title = try row.decode(String.self, column: spanish ? "title_es" : "title_en")
            let improvement = try row.decode(Double.self, column: "expected_improvement")
            let confidence = Int((try row.decode(Double.self, column: "confidence") * 100).rounded())
            let evidence =
                confidence == 0
                ? (spanish ? "aún sin mediciones" : "not measured yet")
                : (spanish ? "mejora esperada \(Self.number(improvement, spanish)) puntos, confianza \(confidence) %" : "expected improvement \(Self.number(improvement, spanish)) points, confidence \(confidence)%")
            byAlert[try row.decode(String.self, column: "alert_id"), default: []].append("\(try row.decode(Int.self, column: "rank")). \(title) (\(evidence))")
        }
        print(spanish ? "Brechas de habilidad abiertas por restaurante (las \(top) más severas)" : "Open skill gaps per restaurant (the \(top) most severe)")
        var restaurant = ""
        for row in gaps {
            let id = try row.decode(String.self, column: "restaurant_id")
            if id != restaurant {
                restaurant = id
                let count = try row.decode(Int.self, column: "open_count")
                print("\n\(try row.decode(String.self, column: "restaurant")) (\(try row.decode(String.self, column: "city"))) — \(count) " + (spanish ? "brecha(s) abierta(s)" : "open gap(s)"))
            }
            let skill = try row.decode(String.self, column: "skill")
            let score = try row.decode(Double.self, column: "skill_score")
            let benchmark = try row.decode(Double.self, column: "benchmark")
            print(
                "  • \(try row.decode(String.self, column: "staff_id")) (\(Self.role(try row.decode(String.self, column: "role"), spanish))): "
                    + "\(Skill(rawValue: skill)?.displayName(spanish ? .es : .en) ?? skill) — " + (spanish ? "nivel" : "level") + " \(Self.number(score, spanish)) / \(Self.number(benchmark, spanish)), "
                    + (spanish ? "desde el" : "since") + " \(try row.decode(String.self, column: "opened"))")
            print("    \(try row.decode(String.self, column: spanish ? "text_es" : "text_en"))")
            for line in byAlert[try row.decode(String.self, column: "alert_id")] ?? [] { print("    → \(line)") }
        }
        if gaps.isEmpty { print(spanish ? "\nNinguna brecha abierta." : "\nNo open gaps.") }
        let counters = try connection.query("SELECT counter, sum(value)::bigint AS value FROM processing_counters GROUP BY counter ORDER BY counter")
        let totals = Dictionary(uniqueKeysWithValues: try counters.map { (try $0.decode(String.self, column: "counter"), try $0.decode(Int.self, column: "value")) })
        print(
            spanish
                ? "\nEventos: \(totals["consumed"] ?? 0) consumidos, \(totals["processed"] ?? 0) procesados, \(totals["dead_lettered"] ?? 0) a la cola de errores, \(totals["duplicates"] ?? 0) duplicados omitidos."
                : "\nEvents: \(totals["consumed"] ?? 0) consumed, \(totals["processed"] ?? 0) processed, \(totals["dead_lettered"] ?? 0) dead-lettered, \(totals["duplicates"] ?? 0) duplicates skipped.")
    }

    static func number(_ value: Double, _ spanish: Bool) -> String {
        let text = String(format: "%.1f", value)
        return spanish ? text.replacingOccurrences(of: ".", with: ",") : text
    }

    static func role(_ role: String, _ spanish: Bool) -> String { Role(rawValue: role)?.displayName(spanish ? .es : .en) ?? role }
}
