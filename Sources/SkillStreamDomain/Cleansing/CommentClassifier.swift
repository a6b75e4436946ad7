/// Maps a guest's free-text comment, Spanish or English, to complaint categories when the
/// survey gave none: the text is lowercased, accents folded, punctuation removed, then matched
/// against a lexicon of words and phrases per category (with common misspellings). A match right
/// after a negation ("no fue lento", "not slow") does not count.
public struct CommentClassifier: Sendable {
    /// A lexicon entry: words in order; a trailing `*` on a word matches any word starting so.
    /// Words are kept as UTF-8 bytes: matching compares bytes, not Unicode strings.
    struct Pattern: Sendable {
        let words: [[UInt8]]
        /// Per word: true when it matches as a prefix (written with a trailing `*`, kept here without it).
        let isPrefix: [Bool]
        /// Whether the pattern itself starts with a negation ("no nos atendio", "sin sabor").
        let startsWithNegation: Bool

        init(_ text: String) {
            let raw = text.split(separator: " ").map(String.init)
            words = raw.map { Array(($0.hasSuffix("*") ? String($0.dropLast()) : $0).utf8) }
            isPrefix = raw.map { $0.hasSuffix("*") }
            startsWithNegation = CommentClassifier.negations.contains(words[0])
        }

        func matches(_ text: [UInt8], _ tokens: [Range<Int>], at start: Int) -> Bool {
            guard start + words.count <= tokens.count else { return false }
            for offset in words.indices {
                let token = text[tokens[start + offset]]
                let word = words[offset]
                if isPrefix[offset] {
                    guard token.count >= word.count, token.prefix(word.count).elementsEqual(word) else { return false }
                } else if !token.elementsEqual(word) {
                    return false
                }
            }
            return true
        }
    }

    static let negations: Set<[UInt8]> = Set(["no", "not", "nada", "ni", "never", "nunca", "sin", "isnt", "wasnt", "werent"].map { Array($0.utf8) })

    /// The lexicon, normalised text (no accents, lowercase).
    static let lexicon: [(ComplaintCategory, [Pattern])] = [
        (.slowService, [
            "lento", "lenta", "lentos", "lentitud", "lentisimo", "lentisima", "demora*", "demoro", "demoraron", "tardo", "tardaron",
            "tardanza", "tardisimo", "llego tarde", "espera", "esperamos", "esperar", "esperando", "esperamso", "mucho tiempo", "una eternidad", "eterno", "nunca llego", "nunca llegaron",
            "se olvidaron de nosotros", "slow", "sloow", "slooow", "wait", "waited", "waiting", "waitted", "took forever", "forever", "took ages", "ages",
            "took too long", "too long", "long time", "delay*", "late", "lenot", "demorrado",
        ].map(Pattern.init)),
        (.orderError, [
            "equivoc*", "error en el pedido", "errores en el pedido", "pedido incorrecto", "pedido equivocado", "plato equivocado",
            "no era lo que pedi", "no es lo que pedi", "se olvido el", "se olvido la", "se olvidaron el", "se olvidaron la", "olvidaron el",
            "olvidaron la", "olvido el", "olvido la", "falto un", "falto el", "falto la", "faltaba", "trajeron otro", "trajeron otra",
            "cambiaron mi pedido", "confundi*", "confundio", "wrong order", "wrong dish", "wrong plate", "wrong wine", "wrong drink",
            "mistake*", "mixed up", "mix up", "mixup", "forgot", "forgotten", "missing", "not what i ordered", "incorrect", "wrnog",
            "equibocaron", "equivocaron",
        ].map(Pattern.init)),
        (.inattentiveOrRude, [
            "grosero", "grosera", "groseros", "groseria", "maleducado", "maleducada", "mal educado", "mal educada", "descortes",
            "antipatico", "antipatica", "desatento", "desatenta", "no nos atendio", "no nos atendieron", "nos ignoro", "nos ignoraron",
            "ignor*", "mala actitud", "prepotente", "de mala gana", "pesimo trato", "mal trato", "maltrato", "indiferente",
            "mala cara", "rude", "rud", "impolite", "ignored", "ignoring", "inattentive", "unfriendly", "attitude", "arrogant",
            "dismissive", "never checked", "never came back", "unpleasant", "grocero", "maleducao",
        ].map(Pattern.init)),
        (.poorRecommendation, [
            "mala recomendacion", "pesima recomendacion", "recomendo mal", "recomendacion del vino",
            "no supo explicar", "no supo recomendar", "no sabia", "no conocia", "desconocia", "no conoce la carta", "maridaje",
            "no sabia nada del vino", "bad recommendation", "poor recommendation", "terrible recommendation",
            "didnt know", "did not know", "couldnt explain", "could not explain", "no idea", "pairing",
            "knowledge", "recomendasion",
        ].map(Pattern.init)),
        (.etiquetteLapse, [
            "etiqueta", "protocolo", "lado equivocado", "retiro los platos", "retiraron los platos", "retiro el plato",
            "antes de que terminaramos", "se apoyo en la mesa", "interrumpio", "interrumpia", "con la mano", "cubiertos",
            "etiquette", "cleared the plates", "cleared our plates", "cleared plates", "before we finished", "reached across",
            "interrupted", "wrong side", "leaned on", "unprofessional", "poco profesional", "etiqeta",
        ].map(Pattern.init)),
        (.foodQuality, [
            "comida fria", "plato frio", "llego frio", "llego fria", "estaba frio", "estaba fria", "salado", "salada", "crudo",
            "cruda", "quemado", "quemada", "insipido", "insipida", "sin sabor", "mal sabor", "no estaba fresco", "pasado de coccion",
            "recocido", "cold food", "food was cold", "dish was cold", "arrived cold", "came out cold", "overcooked", "undercooked", "bland", "salty",
            "burnt", "burned", "raw", "tasteless", "stale", "soggy",
        ].map(Pattern.init)),
        (.noiseOrAmbience, [
            "ruido", "ruidoso", "ruidosa", "bulla", "musica alta", "musica muy alta", "musica fuerte", "musica muy fuerte",
            "no se podia conversar", "no podiamos conversar", "mal ambiente", "pesimo ambiente", "ambiente ruidoso", "noisy", "noise", "loud", "too loud", "ambience",
            "ambiance", "crowded", "couldnt hear", "could not hear",
        ].map(Pattern.init)),
        (.price, [
            "caro", "caros", "carisimo", "carisima", "precio*", "costoso", "costosa", "cobraron de mas", "nos cobraron",
            "no vale lo que cuesta", "expensive", "overpriced", "price*", "pricey", "overcharged", "charged us", "not worth",
        ].map(Pattern.init)),
    ]

    /// A pattern with its category's position in ``ComplaintCategory/allCases``.
    typealias Entry = (category: Int, pattern: Pattern)

    /// Patterns by the FNV-1a hash of their first word (a hash collision only costs a byte
    /// comparison that fails), and those whose first word is a prefix (`demora*`).
    static let index: (exact: [UInt64: [Entry]], prefixed: [Entry]) = {
        var exact: [UInt64: [Entry]] = [:]
        var prefixed: [Entry] = []
        for (category, patterns) in lexicon {
            let position = ComplaintCategory.allCases.firstIndex(of: category)!
            for pattern in patterns {
                if pattern.isPrefix[0] {
                    prefixed.append((position, pattern))
                } else {
                    exact[FNV1a.hash(pattern.words[0]), default: []].append((position, pattern))
                }
            }
        }
        return (exact, prefixed)
    }()

    static let negationHashes: Set<UInt64> = Set(negations.map { FNV1a.hash($0) })

    public init() {}

    /// The categories a comment points at, in the contract's order; empty when none.
    public func categories(of comment: String) -> [ComplaintCategory] {
        let text = Self.normalizedBytes(comment)
        var tokens: [Range<Int>] = []
        var start = 0
        for (position, byte) in text.enumerated() where byte == 0x20 {
            if position > start { tokens.append(start..<position) }
            start = position + 1
        }
        if text.count > start { tokens.append(start..<text.count) }
        // Each token hashed once; negation and the lexicon's index are looked up by hash.
        let hashes = tokens.map { FNV1a.hash(text[$0]) }
        let isNegation = hashes.map { Self.negationHashes.contains($0) }
        var found: UInt16 = 0  // one bit per category, in allCases order
        for position in tokens.indices {
            let negated = (position >= 1 && isNegation[position - 1]) || (position >= 2 && isNegation[position - 2])
            func consider(_ entry: Entry) {
                let bit = UInt16(1) << UInt16(entry.category)
                guard found & bit == 0, entry.pattern.matches(text, tokens, at: position) else { return }
                if !negated || entry.pattern.startsWithNegation { found |= bit }
            }
            if let candidates = Self.index.exact[hashes[position]] {
                for entry in candidates { consider(entry) }
            }
            for entry in Self.index.prefixed { consider(entry) }
        }
        return ComplaintCategory.allCases.enumerated().filter { found & (1 << $0.offset) != 0 }.map(\.element)
    }

    /// Lowercase, accents folded, apostrophes dropped, anything but letters and digits a space.
    public static func normalize(_ text: String) -> String {
        String(decoding: normalizedBytes(text), as: UTF8.self)
    }

    /// The normalised text as bytes. Works on UTF-8: ASCII directly, Latin-1 letters (two-byte
    /// sequences) folded to their base.
    static func normalizedBytes(_ text: String) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(text.utf8.count)
        var lastWasSpace = true
        func emit(_ byte: UInt8?) {
            if let byte {
                output.append(byte)
                lastWasSpace = false
            } else if !lastWasSpace {
                output.append(0x20)
                lastWasSpace = true
            }
        }
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            switch byte {
            case 0x41...0x5A: emit(byte + 0x20)
            case 0x61...0x7A, 0x30...0x39: emit(byte)
            case 0x27, 0x60: continue  // didn't → didnt
            case 0xC3:
                guard let next = iterator.next() else { break }
                emit(latin1Fold[Int(next & 0x3F)])
            case 0xE2:
                // ’ (E2 80 99) is an apostrophe; other three-byte punctuation separates words.
                let second = iterator.next()
                let third = iterator.next()
                if second == 0x80 && third == 0x99 { continue }
                emit(nil)
            case 0x80...0xFF:
                // Any other non-ASCII scalar (emoji, other scripts) separates words: skip its
                // continuation bytes.
                emit(nil)
            default:
                emit(nil)
            }
        }
        if output.last == 0x20 { output.removeLast() }
        return output
    }

    /// U+00C0…U+00FF (second byte & 0x3F) folded to a lowercase ASCII letter, nil for symbols.
    static let latin1Fold: [UInt8?] = {
        let letters = "aaaaaaaceeeeiiiidnooooo_ouuuuy_saaaaaaaceeeeiiiidnooooo_ouuuuy_y"
        return letters.utf8.map { $0 == UInt8(ascii: "_") ? nil : $0 }
    }()
}
