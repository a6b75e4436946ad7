import SkillStreamDomain

/// Reads a `Specific_Complaints` cell: a list split on `;`, `,`, `|` or `/`, each item matched
/// (case, accents and punctuation aside) against the contract's category names and their usual
/// Spanish and English names; an item that matches none is read by ``CommentClassifier`` and,
/// when that finds nothing either, handed back as text for the comment.
struct ComplaintVocabulary: Sendable {
    /// Names of each category as spreadsheets write them.
    static let names: [(ComplaintCategory, [String])] = [
        (.slowService, [
            "slow service", "slow", "long wait", "wait", "waiting", "delay", "delays", "servicio lento", "lento", "lentitud", "demora",
            "demoras", "espera", "tardanza", "atencion lenta",
        ]),
        (.orderError, [
            "order error", "order errors", "wrong order", "incorrect order", "wrong dish", "mistake", "error en el pedido",
            "errores en el pedido", "error de pedido", "pedido equivocado", "pedido incorrecto", "plato equivocado",
        ]),
        (.inattentiveOrRude, [
            "inattentive or rude", "rude staff", "rude", "rude service", "rude waiter", "inattentive", "inattentive staff", "unfriendly", "grosero",
            "personal grosero", "mesero grosero", "mozo grosero", "mala atencion", "mal trato", "descortes", "desatento", "personal desatento",
            "mala actitud",
        ]),
        (.poorRecommendation, [
            "poor recommendation", "poor recommendations", "bad recommendation", "bad recommendations", "wine recommendation", "menu knowledge",
            "poor menu knowledge", "mala recomendacion", "malas recomendaciones", "desconocimiento de la carta", "maridaje",
        ]),
        (.etiquetteLapse, [
            "etiquette lapse", "etiquette", "poor etiquette", "unprofessional", "falta de etiqueta", "etiqueta", "protocolo", "poco profesional",
        ]),
        (.foodQuality, ["food quality", "food", "cold food", "bad food", "comida fria", "comida", "calidad de la comida", "mala comida", "plato frio"]),
        (.noiseOrAmbience, [
            "noise or ambience", "noise", "noisy", "loud music", "ambience", "ambiance", "ruido", "ruidoso", "bulla", "musica alta", "ambiente",
        ]),
        (.price, ["price", "prices", "high prices", "expensive", "overpriced", "precio", "precios", "precio alto", "precios altos", "caro"]),
    ]

    /// Items that say there was no complaint.
    static let none: Set<String> = ["none", "no", "ninguna", "ninguno", "nada", "sin quejas", "no complaints"]

    /// Every name, normalised like comments, to its category.
    static let byName: [String: ComplaintCategory] = Dictionary(
        uniqueKeysWithValues: names.flatMap { category, names in names.map { (CommentClassifier.normalize($0), category) } })

    let classifier = CommentClassifier()

    /// The categories of a cell, in the contract's order without repeats, and the items that
    /// name none, as written. A cell saying "none" gives no categories and no items.
    func read(_ cell: String) -> (categories: [ComplaintCategory], unmatched: [String]) {
        var found = Set<ComplaintCategory>()
        var unmatched: [String] = []
        for item in cell.split(whereSeparator: { $0 == ";" || $0 == "," || $0 == "|" || $0 == "/" }) {
            let text = String(CellParser.trimmed(item))
            let name = CommentClassifier.normalize(text)
            guard !name.isEmpty, !Self.none.contains(name) else { continue }
            if let category = Self.byName[name] {
                found.insert(category)
                continue
            }
            let classified = classifier.categories(of: text)
            if classified.isEmpty { unmatched.append(text) } else { found.formUnion(classified) }
        }
        return (ComplaintCategory.allCases.filter(found.contains), unmatched)
    }
}
