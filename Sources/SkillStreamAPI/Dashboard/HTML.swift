import SkillStreamDomain

/// Builds the dashboard's pages as text: every value from the database goes through
/// ``HTML/escape(_:)``; the page carries its own styles and icon, so nothing is fetched from
/// another server (the product runs inside restaurant networks).
enum HTML {
    /// Text safe inside an element or a quoted attribute.
    static func escape(_ text: String) -> String {
        // Most text has nothing to escape: returned as it is.
        guard text.utf8.contains(where: { $0 == 0x26 || $0 == 0x3C || $0 == 0x3E || $0 == 0x22 || $0 == 0x27 }) else { return text }
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            default: escaped.append(character)
            }
        }
        return escaped
    }

    /// A path segment or query value, percent-encoded (ids may hold anything).
    static func component(_ text: String) -> String {
        var encoded = ""
        for byte in text.utf8 {
            if (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || byte == 0x2D || byte == 0x2E || byte == 0x5F
                || byte == 0x7E
            {
                encoded.append(Character(UnicodeScalar(byte)))
            } else {
                encoded += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return encoded
    }

    /// A number for people: rounded to `digits` decimals (0–3), with the language's decimal
    /// separator. (Written by hand: Foundation's formatting was a fifth of a page's cost.)
    static func number(_ value: Double, _ language: Language, digits: Int = 1) -> String {
        guard value.isFinite else { return "–" }
        let scale = [1.0, 10, 100, 1_000][min(max(digits, 0), 3)]
        let scaled = Int((abs(value) * scale).rounded())
        let whole = scaled / Int(scale)
        var text = (value < 0 && scaled > 0 ? "-" : "") + String(whole)
        if digits > 0 {
            let fraction = String(scaled % Int(scale))
            text += (language == .es ? "," : ".") + String(repeating: "0", count: min(digits, 3) - fraction.count) + fraction
        }
        return text
    }

    /// A whole page: the shared layout around `body`, with the navigation for the caller and
    /// the language switch.
    static func page(title: String, language: Language, navigation: [(href: String, label: String, current: Bool)], body: String, switchHref: String) -> String {
        let links = navigation.map { item in
            "<a href=\"\(escape(item.href))\"\(item.current ? " aria-current=\"page\"" : "")>\(escape(item.label))</a>"
        }.joined()
        let other = language == .es ? "English" : "Español"
        return """
            <!doctype html>
            <html lang="\(language.rawValue)">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(escape(title)) · SkillStream</title>
            <link rel="icon" href="data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 16 16'%3E%3Crect width='16' height='16' rx='3' fill='%23264653'/%3E%3Cpath d='M3 11l3-4 3 3 4-6' stroke='%23e9c46a' stroke-width='2' fill='none'/%3E%3C/svg%3E">
            <style>\(styles)</style>
            </head>
            <body>
            <header><a class="brand" href="/dashboard">SkillStream</a><nav>\(links)</nav><a class="lang" href="\(escape(switchHref))" hreflang="\(language == .es ? "en" : "es")">\(other)</a></header>
            <main>
            <h1>\(escape(title))</h1>
            \(body)
            </main>
            </body>
            </html>
            """
    }

    static let styles = """
        :root{--ink:#1d2d35;--muted:#5c6b73;--line:#d9e2e7;--bg:#f7f9fa;--brand:#264653;--good:#2a9d8f;--warn:#e9c46a;--bad:#e76f51;--accent:#f4a261}
        *{box-sizing:border-box}body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--ink);background:var(--bg)}
        header{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:center;padding:.6rem 1rem;background:var(--brand);color:#fff}
        header a{color:#fff;text-decoration:none}header .brand{font-weight:700}header nav{display:flex;flex-wrap:wrap;gap:.75rem;flex:1}
        header nav a[aria-current]{text-decoration:underline}header .lang{border:1px solid #fff8;border-radius:4px;padding:.1rem .5rem}
        main{max-width:1100px;margin:0 auto;padding:1rem}h1{font-size:1.4rem;margin:.5rem 0 1rem}h2{font-size:1.1rem;margin:1.5rem 0 .5rem}
        .cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(150px,1fr));gap:.75rem}
        .card{background:#fff;border:1px solid var(--line);border-radius:8px;padding:.75rem}.card b{display:block;font-size:1.4rem}
        .scroll{overflow-x:auto;background:#fff;border:1px solid var(--line);border-radius:8px}
        table{border-collapse:collapse;width:100%}th,td{padding:.45rem .6rem;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
        th{font-size:.8rem;color:var(--muted);font-weight:600}td.num,th.num{text-align:right}
        .heat td.cell{text-align:center;font-variant-numeric:tabular-nums;min-width:4.5rem}
        .ok{background:#d8f0ec}.near{background:#fbf0cf}.below{background:#f9d3c8}.far{background:#f2a591}
        .dot{color:var(--bad);font-weight:700}.muted{color:var(--muted)}.small{font-size:.85rem}
        .legend{display:flex;flex-wrap:wrap;gap:.5rem;margin:.5rem 0;font-size:.85rem}.legend span{padding:.1rem .5rem;border-radius:4px}
        .alert{background:#fff;border-left:4px solid var(--bad);border-radius:6px;padding:.6rem .8rem;margin:.5rem 0}
        .alert.resolved{border-left-color:var(--good)}.tag{display:inline-block;font-size:.75rem;padding:0 .4rem;border-radius:3px;background:var(--line)}
        .bars{display:grid;gap:.4rem}.bar{display:grid;grid-template-columns:minmax(8rem,14rem) 1fr 3.5rem;gap:.5rem;align-items:center}
        .track{position:relative;height:.9rem;background:var(--line);border-radius:3px}.fill{height:100%;border-radius:3px}
        .mark{position:absolute;top:-3px;bottom:-3px;width:2px;background:var(--ink)}
        .charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(260px,1fr));gap:.75rem}
        .chart{background:#fff;border:1px solid var(--line);border-radius:8px;padding:.5rem}svg{width:100%;height:auto;display:block}
        form.login{background:#fff;border:1px solid var(--line);border-radius:8px;padding:1rem;max-width:560px}
        textarea{width:100%;min-height:7rem;font:13px monospace}button{margin-top:.5rem;padding:.4rem 1rem;background:var(--brand);color:#fff;border:0;border-radius:4px}
        a{color:#1f6f8b}
        @media (max-width:600px){main{padding:.6rem}.bar{grid-template-columns:1fr 3rem}.bar .label{grid-column:1/-1}}
        """

    /// A line chart of daily values (x: days in order, y: 0–100) with a dashed benchmark line.
    static func lineChart(points: [(day: String, value: Double)], benchmark: Double?, label: String, language: Language) -> String {
        let (width, height, pad) = (300.0, 120.0, 18.0)
        guard !points.isEmpty else { return "<p class=\"muted small\">\(escape(label)): \(language.pick(es: "sin datos", en: "no data"))</p>" }
        let values = points.map(\.value) + (benchmark.map { [$0] } ?? [])
        let low = max(0, (values.min() ?? 0) - 5)
        let high = min(100, (values.max() ?? 100) + 5)
        let span = max(high - low, 1)
        func x(_ index: Int) -> Double { points.count == 1 ? width / 2 : pad + Double(index) * (width - 2 * pad) / Double(points.count - 1) }
        func y(_ value: Double) -> Double { height - pad - (value - low) / span * (height - 2 * pad) }
        let line = points.enumerated().map { "\(Int(x($0.offset))),\(Int(y($0.element.value)))" }.joined(separator: " ")
        let benchmarkLine = benchmark.map {
            "<line x1=\"\(Int(pad))\" x2=\"\(Int(width - pad))\" y1=\"\(Int(y($0)))\" y2=\"\(Int(y($0)))\" stroke=\"#5c6b73\" stroke-dasharray=\"4 3\"/>"
        } ?? ""
        let last = points[points.count - 1]
        return """
            <figure class="chart"><figcaption class="small"><b>\(escape(label))</b> · \(escape(points[0].day)) – \(escape(last.day))</figcaption>
            <svg viewBox="0 0 \(Int(width)) \(Int(height))" role="img" aria-label="\(escape(label))">\(benchmarkLine)<polyline points="\(line)" fill="none" stroke="#264653" stroke-width="2"/><circle cx="\(Int(x(points.count - 1)))" cy="\(Int(y(last.value)))" r="3" fill="#e76f51"/>
            <text x="\(Int(pad))" y="12" font-size="10" fill="#5c6b73">\(number(high, language, digits: 0))</text><text x="\(Int(pad))" y="\(Int(height - 4))" font-size="10" fill="#5c6b73">\(number(low, language, digits: 0))</text></svg></figure>
            """
    }

    /// The heat-map class of a score against its benchmark (its ``SkillStanding``).
    static func heat(score: Double, benchmark: Double) -> String { SkillStanding(score: score, benchmark: benchmark).rawValue }
}

extension String {
    func leftPadded(to width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
