import Foundation
import HTTPTypes
import Hummingbird
import SkillStreamAccess
import SkillStreamDomain

/// The dashboard under `/dashboard`: server-rendered pages over the same data and the same
/// access rules as the API. The caller signs in once by pasting a bearer token, kept in an
/// HttpOnly, SameSite=Strict cookie; each page checks the token's scope like the API (staff
/// reach only their own page). Spanish by default, English by the switch (a cookie) or the
/// browser's preference.
struct DashboardRoutes: Sendable {
    let store: APIStore
    let authority: TokenAuthority
    let throughput: ThroughputSampler

    static let tokenCookie = "skillstream_token"
    static let languageCookie = "skillstream_lang"
    static let clearedTokenCookie = "\(tokenCookie)=; Path=/dashboard; HttpOnly; SameSite=Strict; Max-Age=0"
    static let fetchSite = HTTPField.Name("Sec-Fetch-Site")!
    static let forwardedProto = HTTPField.Name("X-Forwarded-Proto")!
    static let forwardedHost = HTTPField.Name("X-Forwarded-Host")!

    /// Whether a form post comes from this site's own pages, so that no other site can sign a
    /// browser in (to an account of its choosing) or out: the browser says where the request
    /// comes from in `Sec-Fetch-Site`; one too old to send it sends `Origin`, which must then be
    /// this host (as the browser reached it, directly or through a proxy). A post that says
    /// neither is refused too: the forms are for browsers, and programs send a bearer token.
    static func isFromThisSite(_ request: Request) -> Bool {
        if let site = request.headers[fetchSite] { return ["same-origin", "none"].contains(site) }
        guard let origin = request.headers[.origin] else { return false }
        let hosts = [request.headers[forwardedHost], request.head.authority].compactMap { $0 }
        return hosts.contains { origin == "http://" + $0 || origin == "https://" + $0 }
    }

    /// `; Secure` when the request reached a TLS front end (the token cookie then never travels
    /// in clear).
    static func secure(_ request: Request) -> String {
        request.headers[forwardedProto]?.lowercased() == "https" ? "; Secure" : ""
    }

    func register(on router: Router<APIRequestContext>) {
        router.get("/") { _, _ in Response.redirect(to: "/dashboard") }
        let group = router.group("dashboard").add(middleware: DashboardErrorMiddleware())
        group.get("login", use: loginForm)
        group.post("login", use: login)
        group.post("logout", use: logout)
        group.get("", use: home)
        group.get("restaurants/:restaurant", use: restaurant)
        group.get("restaurants/:restaurant/staff/:staff", use: staffMember)
        group.get("training", use: training)
        group.get("operations", use: operations)
        // Any other dashboard address: the dashboard's own "not found" page, not the API's JSON.
        group.get("**") { _, _ -> Response in throw HTTPError(.notFound) }
    }

    // MARK: - Signing in

    @Sendable func loginForm(_ request: Request, context: APIRequestContext) async throws -> Response {
        let language = Self.language(request)
        let reason = request.uri.queryParameters.get("reason")
        let notice =
            reason.map { _ in
                "<p class=\"alert\">\(HTML.escape(language.pick(es: "El token no es válido o ha expirado.", en: "The token is not valid or has expired.")))</p>"
            } ?? ""
        let body = """
            \(notice)
            <form class="login" method="post" action="/dashboard/login">
            <label for="token">\(HTML.escape(language.pick(es: "Pegue su token de acceso (lo entrega su administrador: skillstream token issue).", en: "Paste your access token (your administrator issues it: skillstream token issue).")))</label>
            <textarea id="token" name="token" required autocomplete="off" spellcheck="false"></textarea>
            <button type="submit">\(HTML.escape(language.pick(es: "Entrar", en: "Sign in")))</button>
            </form>
            """
        return Self.html(
            HTML.page(
                title: language.pick(es: "Entrar", en: "Sign in"), language: language, navigation: [], body: body,
                switchHref: "/dashboard/login?lang=\(language == .es ? "en" : "es")"), language: language, request: request)
    }

    @Sendable func login(_ request: Request, context: APIRequestContext) async throws -> Response {
        guard Self.isFromThisSite(request) else { return Response.redirect(to: "/dashboard/login?reason=invalid", type: .normal) }
        let body = try await request.body.collect(upTo: 16 * 1024)
        let form = Self.formFields(String(buffer: body))
        guard let token = form["token"]?.trimmingCharacters(in: .whitespacesAndNewlines), !token.isEmpty,
            (try? await authority.verify(token)) != nil
        else { return Response.redirect(to: "/dashboard/login?reason=invalid", type: .normal) }
        var response = Response.redirect(to: "/dashboard", type: .normal)
        response.headers[.setCookie] = "\(Self.tokenCookie)=\(token); Path=/dashboard; HttpOnly; SameSite=Strict\(Self.secure(request))"
        return response
    }

    @Sendable func logout(_ request: Request, context: APIRequestContext) async throws -> Response {
        guard Self.isFromThisSite(request) else { return Response.redirect(to: "/dashboard", type: .normal) }
        var response = Response.redirect(to: "/dashboard/login", type: .normal)
        response.headers[.setCookie] = Self.clearedTokenCookie
        return response
    }

    /// The signed-in caller, or a redirect to the sign-in page.
    func caller(_ request: Request) async throws -> Principal {
        let cookie = Self.cookies(request)[Self.tokenCookie]
        let authorization = request.headers[.authorization] ?? cookie.map { "Bearer \($0)" }
        do {
            return try await authority.principal(authorization: authorization)
        } catch {
            throw SignInRequired(expired: authorization != nil)
        }
    }

    // MARK: - Pages

    @Sendable func home(_ request: Request, context: APIRequestContext) async throws -> Response {
        let caller = try await caller(request)
        switch caller.role {
        case .staff:
            return Response.redirect(to: Self.ownPage(caller))
        case .operator:
            return Response.redirect(to: "/dashboard/operations")
        default:
            let language = Self.language(request)
            let restaurants = try await store.restaurants(visible: caller.visibleRestaurants, paging: Paging(limit: Paging.maximumLimit)).items
            if restaurants.count == 1 { return Response.redirect(to: "/dashboard/restaurants/\(HTML.component(restaurants[0].restaurantID))") }
            let rows = restaurants.map { r in
                """
                <tr><td><a href="/dashboard/restaurants/\(HTML.component(r.restaurantID))">\(HTML.escape(r.name))</a></td><td>\(HTML.escape(r.city))</td>\
                <td class="num">\(Self.count(r.staffCount))</td><td class="num">\(Self.count(r.openAlerts))</td></tr>
                """
            }.joined()
            let body = """
                <div class="scroll"><table><thead><tr><th>\(language.pick(es: "Restaurante", en: "Restaurant"))</th><th>\(language.pick(es: "Ciudad", en: "City"))</th>\
                <th class="num">\(language.pick(es: "Personal", en: "Staff"))</th><th class="num">\(language.pick(es: "Brechas abiertas", en: "Open gaps"))</th></tr></thead>
                <tbody>\(rows)</tbody></table></div>
                """
            return page(language.pick(es: "Restaurantes", en: "Restaurants"), body, caller: caller, request: request, current: "/dashboard")
        }
    }

    @Sendable func restaurant(_ request: Request, context: APIRequestContext) async throws -> Response {
        let caller = try await caller(request)
        let language = Self.language(request)
        let id = try APIRoutes.path(context, "restaurant")
        try caller.require(caller.mayViewPeople(of: id), "the people of restaurant \(id)")
        guard let restaurant = try await store.restaurant(id) else { throw APIRoutes.noRestaurant }
        let staff = try await store.staff(restaurant: id, paging: Paging(limit: Paging.maximumLimit)).items
        let departedPage = try await store.staff(restaurant: id, employment: .departed, paging: Paging(limit: Paging.maximumLimit))
        let departed = departedPage.items
        let alerts = try await store.alerts(restaurant: id, filter: .init(status: "open"), language: language, paging: Paging(limit: 50)).items
        let trend = try await store.restaurantTrend(restaurant: id)

        let skills = Skill.allCases
        let header = skills.map { "<th class=\"num\">\(HTML.escape(Self.skillName($0, language)))</th>" }.joined()
        let rows = staff.map { member in
            let cells = skills.map { skill -> String in
                guard let level = member.skills.first(where: { $0.skill == skill.rawValue }) else { return "<td class=\"cell muted\">–</td>" }
                let marker = level.openAlert ? " <span class=\"dot\" title=\"\(HTML.escape(language.pick(es: "brecha abierta", en: "open gap")))\">●</span>" : ""
                return "<td class=\"cell \(HTML.heat(score: level.skillScore, benchmark: level.benchmark))\" title=\"\(HTML.escape(Self.certainty(level, language)))\">\(HTML.number(level.skillScore, language, digits: 0))\(marker)</td>"
            }.joined()
            let role = member.role.flatMap(Role.init(rawValue:)).map { $0.displayName(language) } ?? ""
            return """
                <tr><td><a href="/dashboard/restaurants/\(HTML.component(id))/staff/\(HTML.component(member.staffID))">\(HTML.escape(member.staffID))</a>\
                <div class="muted small">\(HTML.escape(role))</div></td>\(cells)</tr>
                """
        }.joined()
        let legend = """
            <div class="legend"><span class="ok">\(language.pick(es: "en o sobre el estándar", en: "at or above the benchmark"))</span>\
            <span class="near">\(language.pick(es: "hasta 10 % por debajo", en: "up to 10% below"))</span>\
            <span class="below">\(language.pick(es: "10–25 % por debajo", en: "10–25% below"))</span>\
            <span class="far">\(language.pick(es: "más de 25 % por debajo", en: "more than 25% below"))</span>\
            <span><span class="dot">●</span> \(language.pick(es: "brecha abierta", en: "open gap"))</span></div>
            """
        let charts = skills.map { skill in
            HTML.lineChart(
                points: trend.filter { $0.skill == skill.rawValue }.map { ($0.day, $0.average) }, benchmark: restaurant.serviceQualityBenchmark,
                label: Self.skillName(skill, language), language: language)
        }.joined()
        let body = """
            <div class="cards">
            <div class="card"><b>\(staff.count)</b>\(language.pick(es: "personas evaluadas", en: "staff assessed"))</div>
            <div class="card"><b>\(Self.count(restaurant.openAlerts))</b>\(language.pick(es: "brechas abiertas", en: "open gaps"))</div>
            <div class="card"><b>\(HTML.number(restaurant.serviceQualityBenchmark, language))</b>\(language.pick(es: "estándar de servicio", en: "service benchmark"))</div>
            <div class="card"><b>\(HTML.number(restaurant.targetWaitTimeSeconds / 60, language, digits: 0)) min</b>\(language.pick(es: "espera objetivo", en: "target wait"))</div>
            </div>
            <h2>\(language.pick(es: "Mapa de habilidades del personal frente al estándar", en: "Staff skills against the benchmark"))</h2>
            \(legend)
            <div class="scroll"><table class="heat"><thead><tr><th>\(language.pick(es: "Persona", en: "Staff member"))</th>\(header)</tr></thead><tbody>\(rows)</tbody></table></div>
            \(departed.isEmpty ? "" : """
            <details><summary>\(language.pick(es: "Ya no trabajan aquí", en: "No longer working here")) (\(departed.count)\(departedPage.nextCursor == nil ? "" : "+"))</summary><ul>\(departed.map { member in
                "<li><a href=\"/dashboard/restaurants/\(HTML.component(id))/staff/\(HTML.component(member.staffID))\">\(HTML.escape(member.staffID))</a> <span class=\"muted small\">\(HTML.escape(Self.leftText(member, language, timezone: restaurant.timezone)))</span></li>"
            }.joined())</ul></details>
            """)
            <h2>\(language.pick(es: "Brechas abiertas", en: "Open gaps"))</h2>
            \(alerts.isEmpty ? "<p class=\"muted\">\(language.pick(es: "Ninguna.", en: "None."))</p>" : alerts.map { Self.alertBlock($0, language, restaurant: id, timezone: restaurant.timezone) }.joined())
            <h2>\(language.pick(es: "Tendencia: promedio diario del restaurante por habilidad", en: "Trend: the restaurant's daily average per skill"))</h2>
            <div class="charts">\(charts)</div>
            """
        return page("\(restaurant.name) · \(restaurant.city)", body, caller: caller, request: request, current: "/dashboard/restaurants/\(HTML.component(id))")
    }

    /// "Left on 2026-03-02", in the page's language (empty for someone who works there), the
    /// date in the restaurant's time zone.
    static func leftText(_ member: StaffView, _ language: Language, timezone: String) -> String {
        guard let left = member.leftAt else { return "" }
        return language.pick(es: "dejó el restaurante el ", en: "left on ") + local(left, timezone: timezone)
    }

    /// "On the team since 2024-10-05" (the restaurant's time zone), when the hire is known.
    static func hiredText(_ member: StaffView, _ language: Language, timezone: String) -> String? {
        member.hiredAt.map { language.pick(es: "en el equipo desde el ", en: "on the team since ") + local($0, timezone: timezone) }
    }

    /// How sure the score is, in words: the probability of a gap and the tables behind it. A score
    /// below the benchmark with a low probability is a difference the evidence does not yet
    /// confirm. The ends read "<1" and ">99": rounding must not make a gap look impossible or
    /// certain.
    static func certainty(_ level: SkillLevelView, _ language: Language) -> String {
        let percent = level.gapProbability * 100
        let probability = percent < 0.5 ? "<1" : percent >= 99.5 ? ">99" : HTML.number(percent, language, digits: 0)
        return language.pick(
            es: "\(probability) % de probabilidad de brecha · \(level.tables) mesas", en: "\(probability)% probability of a gap · \(level.tables) tables")
    }

    /// An API timestamp (ISO 8601, UTC) as the date, or with `minutes` the date and time, where
    /// the restaurant is: a departure or an alert late in the evening in Lima is already the next
    /// day in UTC. `timezone` is the restaurant's IANA name; one the system does not know (it
    /// comes from the reference topic) reads as UTC.
    static func local(_ timestamp: String, timezone: String, minutes: Bool = false) -> String {
        guard let instant = ISO8601DateFormatter().date(from: timestamp) else { return String(timestamp.prefix(minutes ? 16 : 10)) }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: timezone) ?? TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: instant)
        let date = String(format: "%04d-%02d-%02d", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0)
        return minutes ? date + String(format: " %02d:%02d", parts.hour ?? 0, parts.minute ?? 0) : date
    }

    @Sendable func staffMember(_ request: Request, context: APIRequestContext) async throws -> Response {
        let caller = try await caller(request)
        let language = Self.language(request)
        let (restaurant, staffID) = try APIRoutes.staffPath(context)
        try caller.require(caller.mayView(staff: staffID, of: restaurant), "staff member \(staffID) of restaurant \(restaurant)")
        guard let staffPage = try await store.staffPage(restaurant: restaurant, staffID: staffID, language: language),
            let history = try await store.skillHistory(restaurant: restaurant, staffID: staffID, skill: nil, from: nil, to: nil)
        else { throw APIRoutes.noStaff }
        let (profile, alerts, recommendations) = (staffPage.staff, staffPage.alerts, staffPage.recommendations)
        let timezone = try await store.restaurant(restaurant)?.timezone ?? "UTC"

        let bars = profile.skills.map { level -> String in
            let skill = Skill(rawValue: level.skill).map { Self.skillName($0, language) } ?? level.skill
            let color =
                switch SkillStanding(score: level.skillScore, benchmark: level.benchmark) {
                case .ok: "var(--good)"
                case .near: "var(--warn)"
                case .below: "var(--accent)"
                case .far: "var(--bad)"
                }
            return """
                <div class="bar"><span class="label">\(HTML.escape(skill))\(level.openAlert ? " <span class=\"dot\">●</span>" : "")\
                <span class="muted small" style="display:block">\(HTML.escape(Self.certainty(level, language)))</span></span>\
                <span class="track" role="img" aria-label="\(HTML.escape(skill)): \(HTML.number(level.skillScore, language, digits: 0)) / \(HTML.number(level.benchmark, language, digits: 0))">\
                <span class="fill" style="display:block;width:\(Int(max(0, min(100, level.skillScore))))%;background:\(color)"></span>\
                <span class="mark" style="left:\(Int(max(0, min(100, level.benchmark))))%"></span></span>\
                <span class="num">\(HTML.number(level.skillScore, language, digits: 0))</span></div>
                """
        }.joined()
        let charts = Skill.allCases.map { skill in
            HTML.lineChart(
                points: history.points.filter { $0.skill == skill.rawValue }.map { ($0.day, $0.skillScore) },
                benchmark: history.benchmarks.first { $0.skill == skill.rawValue }?.benchmark, label: Self.skillName(skill, language), language: language)
        }.joined()
        let trainingRows = recommendations.map { recommendation in
            """
            <tr><td>\(HTML.escape(recommendation.programTitle))</td><td>\(HTML.escape(Skill(rawValue: recommendation.skill).map { Self.skillName($0, language) } ?? recommendation.skill))</td>\
            <td class="num">\(recommendation.rank)</td><td class="num">\(recommendation.confidence > 0 ? "+" + HTML.number(recommendation.expectedImprovement, language) : "–")</td>\
            <td class="num">\(HTML.number(recommendation.confidence * 100, language, digits: 0)) %</td><td>\(HTML.escape(Self.statusName(recommendation, language, timezone: timezone)))</td>\
            <td>\(HTML.escape(Self.local(recommendation.recommendedAt, timezone: timezone)))</td></tr>
            """
        }.joined()
        let role = profile.role.flatMap(Role.init(rawValue:)).map { $0.displayName(language) } ?? ""
        let body = """
            <p class="muted">\(HTML.escape(role))\(Self.hiredText(profile, language, timezone: timezone).map { " · " + HTML.escape($0) } ?? "") · \(language.pick(es: "última evaluación", en: "last assessed")) \(HTML.escape(Self.local(profile.lastAssessedAt, timezone: timezone, minutes: true)))\(profile.leftAt == nil ? "" : " · <strong>" + HTML.escape(Self.leftText(profile, language, timezone: timezone)) + "</strong>")</p>
            <h2>\(language.pick(es: "Perfil frente al estándar del restaurante", en: "Profile against the restaurant's benchmark"))</h2>
            <div class="bars">\(bars)</div>
            <p class="small muted">\(language.pick(
                es: "La línea vertical marca el estándar. Una brecha se abre cuando la evidencia la hace casi segura y se cierra tras una semana en que sus dos últimas semanas ya no la hacen probable; sin brecha abierta, una puntuación bajo el estándar es una diferencia aún no confirmada; durante los 30 días siguientes al cierre de una brecha, la puntuación refleja sus dos últimas semanas si tienen mesas suficientes (si la brecha se reabre, lo ocurrido desde el cierre).",
                en: "The vertical line marks the benchmark. A gap opens when the evidence makes it all but certain, and closes after a week in which their last two weeks no longer make it likely; without an open gap, a score below the benchmark is a difference not confirmed yet; for 30 days after a gap closes, the score reflects their last two weeks when they have enough tables (if the gap reopens, what happened since it closed)."))</p>
            <h2>\(language.pick(es: "Brechas y su evidencia", en: "Gaps and their evidence"))</h2>
            \(alerts.isEmpty ? "<p class=\"muted\">\(language.pick(es: "Ninguna brecha detectada.", en: "No gap detected."))</p>" : alerts.map { Self.alertBlock($0, language, restaurant: nil, timezone: timezone) }.joined())
            <h2>\(language.pick(es: "Capacitación recomendada", en: "Recommended training"))</h2>
            \(recommendations.isEmpty ? "<p class=\"muted\">\(language.pick(es: "Ninguna por ahora.", en: "None for now."))</p>" : """
            <div class="scroll"><table><thead><tr><th>\(language.pick(es: "Programa", en: "Program"))</th><th>\(language.pick(es: "Habilidad", en: "Skill"))</th>\
            <th class="num">#</th><th class="num">\(language.pick(es: "Mejora esperada", en: "Expected gain"))</th><th class="num">\(language.pick(es: "Confianza", en: "Confidence"))</th>\
            <th>\(language.pick(es: "Estado", en: "Status"))</th><th>\(language.pick(es: "Recomendada el", en: "Recommended on"))</th></tr></thead><tbody>\(trainingRows)</tbody></table></div>
            """)
            <h2>\(language.pick(es: "Evolución diaria", en: "Daily trend"))</h2>
            <div class="charts">\(charts)</div>
            """
        let current = "/dashboard/restaurants/\(HTML.component(restaurant))/staff/\(HTML.component(staffID))"
        return page(staffID, body, caller: caller, request: request, current: current)
    }

    @Sendable func training(_ request: Request, context: APIRequestContext) async throws -> Response {
        let caller = try await caller(request)
        let language = Self.language(request)
        let programs = try await store.programs(skill: nil, role: nil, language: language, paging: Paging(limit: Paging.maximumLimit)).items
        let rows = programs.map { program in
            let effects =
                program.effectiveness.isEmpty
                ? "<span class=\"muted\">\(language.pick(es: "aún sin mediciones", en: "not measured yet"))</span>"
                : program.effectiveness.map { effect in
                    let skill = Skill(rawValue: effect.skill).map { Self.skillName($0, language) } ?? effect.skill
                    let sign = effect.meanEffect >= 0 ? "+" : ""
                    return "\(HTML.escape(skill)): <b>\(sign)\(HTML.number(effect.meanEffect, language))</b> <span class=\"muted small\">(\(effect.observations) · \(language.pick(es: "confianza", en: "confidence")) \(HTML.number(effect.confidence * 100, language, digits: 0)) %)</span>"
                }.joined(separator: "<br>")
            let skills = program.skills.compactMap(Skill.init(rawValue:)).map { Self.skillName($0, language) }.joined(separator: ", ")
            let roles = program.roles.compactMap(Role.init(rawValue:)).map { $0.displayName(language) }.joined(separator: ", ")
            return """
                <tr><td>\(HTML.escape(program.title))<div class="muted small">\(HTML.escape(program.programID)) · \(HTML.number(program.durationHours, language, digits: 0)) h · \(HTML.escape(program.format))</div></td>\
                <td>\(HTML.escape(skills))<div class="muted small">\(HTML.escape(roles))</div></td><td>\(effects)</td></tr>
                """
        }.joined()
        let body = """
            <p class="muted">\(language.pick(es: "Efecto medido: cambio en la puntuación de la habilidad tras la capacitación, frente a personal sin capacitar con la misma brecha en el mismo periodo (puntos; reducido hacia 0 con poca evidencia).", en: "Measured effect: the change in the skill's score after the training, against untrained staff with the same gap over the same period (points; shrunk towards 0 with little evidence)."))</p>
            <div class="scroll"><table><thead><tr><th>\(language.pick(es: "Programa", en: "Program"))</th><th>\(language.pick(es: "Habilidades y roles", en: "Skills and roles"))</th>\
            <th>\(language.pick(es: "Efecto medido (mediciones)", en: "Measured effect (measurements)"))</th></tr></thead><tbody>\(rows)</tbody></table></div>
            """
        return page(language.pick(es: "Programas de capacitación", en: "Training programs"), body, caller: caller, request: request, current: "/dashboard/training")
    }

    @Sendable func operations(_ request: Request, context: APIRequestContext) async throws -> Response {
        let caller = try await caller(request)
        let language = Self.language(request)
        try caller.require(caller.mayViewOperations, "the operations page")
        let ingestion = try await store.ingestion()
        let qualities = try await store.modelQualities(visible: caller.visibleRestaurants)
        let rate = throughput.recordsPerSecond
        let lagRows = ingestion.lag.map { lag in
            """
            <tr><td>\(HTML.escape(lag.topic))</td><td class="num">\(lag.partition)</td><td class="num">\(lag.committedOffset)</td>\
            <td class="num">\(lag.highWatermark.map(String.init) ?? "–")</td><td class="num">\(lag.lag.map(String.init) ?? "–")</td><td class="small">\(HTML.escape(lag.observedAt ?? "–"))</td></tr>
            """
        }.joined()
        let reasons = ingestion.deadLettersByReason.sorted { $0.value > $1.value }.map { "<tr><td>\(HTML.escape($0.key))</td><td class=\"num\">\($0.value)</td></tr>" }.joined()
        let qualityRows = qualities.flatMap { restaurant in
            restaurant.models.map { model in
                """
                <tr><td>\(HTML.escape(restaurant.restaurantID))</td><td>\(HTML.escape(model.model))\(model.driving ? " <span class=\"tag\">\(language.pick(es: "decide", en: "driving"))</span>" : "")</td>\
                <td class="num">\(model.examples)</td><td class="num">\(HTML.number(model.rocAuc, language, digits: 3))</td><td class="num">\(HTML.number(model.logLoss, language, digits: 3))</td>\
                <td class="num">\(HTML.number(model.f1, language, digits: 3))</td><td class="num">\(model.driftsDetected)</td></tr>
                """
            }
        }.joined()
        let body = """
            <div class="cards">
            <div class="card"><b>\(rate.map { HTML.number($0, language) } ?? "–")</b>\(language.pick(es: "eventos/s (último minuto)", en: "events/s (last minute)"))</div>
            <div class="card"><b>\(ingestion.consumed)</b>\(language.pick(es: "consumidos", en: "consumed"))</div>
            <div class="card"><b>\(ingestion.processed)</b>\(language.pick(es: "procesados", en: "processed"))</div>
            <div class="card"><b>\(ingestion.deadLettered)</b>\(language.pick(es: "a la cola de errores", en: "dead-lettered"))</div>
            <div class="card"><b>\(ingestion.duplicates)</b>\(language.pick(es: "duplicados omitidos", en: "duplicates skipped"))</div>
            <div class="card"><b>\(ingestion.totalLag)</b>\(language.pick(es: "retraso total (mensajes)", en: "total lag (messages)"))</div>
            </div>
            <p class="small \(ingestion.balanced ? "muted" : "dot")">\(ingestion.balanced ? language.pick(es: "Cuentas cuadradas: consumidos = procesados + duplicados + errores.", en: "Accounts balance: consumed = processed + duplicates + dead letters.") : language.pick(es: "Las cuentas NO cuadran.", en: "The accounts do NOT balance."))</p>
            <h2>\(language.pick(es: "Retraso por partición", en: "Lag per partition"))</h2>
            <div class="scroll"><table><thead><tr><th>Topic</th><th class="num">\(language.pick(es: "Partición", en: "Partition"))</th><th class="num">\(language.pick(es: "Siguiente offset", en: "Next offset"))</th>\
            <th class="num">\(language.pick(es: "Marca alta", en: "High watermark"))</th><th class="num">\(language.pick(es: "Retraso", en: "Lag"))</th><th>\(language.pick(es: "Visto", en: "Seen"))</th></tr></thead><tbody>\(lagRows)</tbody></table></div>
            <h2>\(language.pick(es: "Mensajes rechazados por motivo", en: "Dead letters by reason"))</h2>
            \(reasons.isEmpty ? "<p class=\"muted\">\(language.pick(es: "Ninguno.", en: "None."))</p>" : "<div class=\"scroll\"><table><tbody>\(reasons)</tbody></table></div>")
            <h2>\(language.pick(es: "Calidad de los modelos por restaurante (insatisfacción del cliente)", en: "Model quality per restaurant (guest dissatisfaction)"))</h2>
            <div class="scroll"><table><thead><tr><th>\(language.pick(es: "Restaurante", en: "Restaurant"))</th><th>\(language.pick(es: "Modelo", en: "Model"))</th>\
            <th class="num">\(language.pick(es: "Ejemplos", en: "Examples"))</th><th class="num">ROC AUC</th><th class="num">Log loss</th><th class="num">F1</th><th class="num">\(language.pick(es: "Derivas", en: "Drifts"))</th></tr></thead>\
            <tbody>\(qualityRows)</tbody></table></div>
            """
        return page(language.pick(es: "Operación", en: "Operations"), body, caller: caller, request: request, current: "/dashboard/operations")
    }

    // MARK: - Pieces

    /// One alert: skill, staff member (linked, when `restaurant` is given), status, severity, the
    /// day it opened in the restaurant's `timezone`, and its evidence.
    static func alertBlock(_ alert: AlertView, _ language: Language, restaurant: String?, timezone: String) -> String {
        let skill = Skill(rawValue: alert.skill).map { skillName($0, language) } ?? alert.skill
        let who = restaurant.map {
            " · <a href=\"/dashboard/restaurants/\(HTML.component($0))/staff/\(HTML.component(alert.staffID))\">\(HTML.escape(alert.staffID))</a>"
        } ?? ""
        let status = alert.status == "open" ? language.pick(es: "abierta", en: "open") : language.pick(es: "resuelta", en: "resolved")
        return """
            <div class="alert \(alert.status == "resolved" ? "resolved" : "")"><b>\(HTML.escape(skill))</b>\(who) <span class="tag">\(HTML.escape(status))</span>\
            <span class="muted small"> · \(language.pick(es: "severidad", en: "severity")) \(HTML.number(alert.severity * 100, language, digits: 0)) % · \(HTML.escape(local(alert.openedAt, timezone: timezone)))</span>
            <div>\(HTML.escape(alert.evidence.text))</div></div>
            """
    }

    /// A staff member's own page.
    static func ownPage(_ caller: Principal) -> String {
        "/dashboard/restaurants/\(HTML.component(caller.restaurants.first ?? ""))/staff/\(HTML.component(caller.staffID ?? ""))"
    }

    static func skillName(_ skill: Skill, _ language: Language) -> String {
        let name = skill.displayName(language)
        return name.prefix(1).uppercased() + name.dropFirst()
    }

    /// A recommendation's status as the staff page shows it: a proposal that a later round for the
    /// same gap replaced says so (with the later round's local day), so it is not taken for current.
    static func statusName(_ recommendation: RecommendationView, _ language: Language, timezone: String) -> String {
        guard recommendation.status == "proposed", let later = recommendation.supersededAt else { return statusName(recommendation.status, language) }
        return language.pick(es: "reemplazada el ", en: "superseded on ") + local(later, timezone: timezone)
    }

    static func statusName(_ status: String, _ language: Language) -> String {
        switch status {
        case "proposed": language.pick(es: "propuesta", en: "proposed")
        case "assigned": language.pick(es: "asignada", en: "assigned")
        case "declined": language.pick(es: "descartada", en: "declined")
        case "done": language.pick(es: "completada", en: "done")
        default: status
        }
    }

    /// The page in the layout, with the navigation the caller's role has.
    func page(_ title: String, _ body: String, caller: Principal, request: Request, current: String) -> Response {
        let language = Self.language(request)
        var navigation: [(String, String)] = []
        switch caller.role {
        case .staff:
            navigation.append((Self.ownPage(caller), language.pick(es: "Mi página", en: "My page")))
        case .operator:
            break
        default:
            navigation.append(("/dashboard", language.pick(es: "Restaurantes", en: "Restaurants")))
        }
        navigation.append(("/dashboard/training", language.pick(es: "Capacitación", en: "Training")))
        if caller.mayViewOperations { navigation.append(("/dashboard/operations", language.pick(es: "Operación", en: "Operations"))) }
        let signOut = """
            <form method="post" action="/dashboard/logout" style="margin-top:2rem"><button type="submit">\(language.pick(es: "Salir", en: "Sign out"))</button> \
            <span class="muted small">\(HTML.escape(caller.subject)) · \(HTML.escape(caller.role.rawValue))</span></form>
            """
        let html = HTML.page(
            title: title, language: language, navigation: navigation.map { ($0.0, $0.1, $0.0 == current) }, body: body + signOut,
            switchHref: current + "?lang=" + (language == .es ? "en" : "es"))
        return Self.html(html, language: language, request: request)
    }

    /// An HTML response; a `lang` query parameter also sets the language cookie.
    static func html(_ text: String, language: Language, request: Request, status: HTTPResponse.Status = .ok) -> Response {
        var headers: HTTPFields = [.contentType: "text/html; charset=utf-8", .cacheControl: "private, no-store", .contentLanguage: language.rawValue]
        headers[.contentSecurityPolicy] = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
        headers[.xContentTypeOptions] = "nosniff"
        if let chosen = request.uri.queryParameters.get("lang"), Language(rawValue: chosen) != nil {
            headers[.setCookie] = "\(languageCookie)=\(chosen); Path=/dashboard; SameSite=Lax; Max-Age=31536000"
        }
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }

    /// A restaurant's count as a page shows it (only pages staff never see show counts).
    static func count(_ value: Int?) -> String { value.map(String.init) ?? "—" }

    /// The page language: `?lang=`, else the cookie, else the browser's preference (Spanish
    /// by default).
    static func language(_ request: Request) -> Language {
        if let chosen = request.uri.queryParameters.get("lang").flatMap(Language.init(rawValue:)) { return chosen }
        if let saved = cookies(request)[languageCookie].flatMap(Language.init(rawValue:)) { return saved }
        return Language.preferred(acceptLanguage: request.headers[.acceptLanguage])
    }

    static func cookies(_ request: Request) -> [String: String] {
        var cookies: [String: String] = [:]
        for header in request.headers[values: .cookie] {
            for pair in header.split(separator: ";") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                guard parts.count == 2 else { continue }
                cookies[String(parts[0]).trimmingCharacters(in: .whitespaces)] = String(parts[1]).trimmingCharacters(in: .whitespaces)
            }
        }
        return cookies
    }

    /// An `application/x-www-form-urlencoded` body's fields.
    static func formFields(_ body: String) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in body.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map { String($0).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? "" }
            if parts.count == 2 { fields[parts[0]] = parts[1] }
        }
        return fields
    }
}

/// A dashboard request without a valid token: answered with the sign-in page.
struct SignInRequired: Error, HTTPResponseError {
    var expired: Bool
    var status: HTTPResponse.Status { .seeOther }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = Response.redirect(to: "/dashboard/login" + (expired ? "?reason=expired" : ""), type: .normal)
        if expired { response.headers[.setCookie] = DashboardRoutes.clearedTokenCookie }
        return response
    }
}

/// Answers the dashboard's errors as pages a person reads — the sign-in page when the token is
/// missing or no longer valid, otherwise the problem's title and detail in the page language —
/// and logs every dashboard request (``logRequest``).
struct DashboardErrorMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext

    func handle(_ request: Request, context: APIRequestContext, next: (Request, APIRequestContext) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        let response = try await page(request, context: context, next: next)
        logRequest(request, status: response.status, since: started, logger: context.logger)
        return response
    }

    func page(_ request: Request, context: APIRequestContext, next: (Request, APIRequestContext) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let signIn as SignInRequired {
            return try signIn.response(from: request, context: context)
        } catch {
            let problem = ProblemMiddleware<APIRequestContext>.problem(for: error)
            if problem.kind == .internal { context.logger.error("Unexpected error answering \(request.method) \(request.uri.path): \(error)") }
            let language = DashboardRoutes.language(request)
            let body = """
                <p>\(HTML.escape(language.pick(es: problem.detailES, en: problem.detailEN)))</p>
                <p><a href="/dashboard">\(language.pick(es: "Volver al inicio", en: "Back to the start"))</a></p>
                """
            let page = HTML.page(
                title: problem.kind.title(language), language: language, navigation: [], body: body,
                switchHref: request.uri.path + "?lang=" + (language == .es ? "en" : "es"))
            return DashboardRoutes.html(page, language: language, request: request, status: problem.status)
        }
    }
}
