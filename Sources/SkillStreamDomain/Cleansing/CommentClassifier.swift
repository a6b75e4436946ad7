/// Maps a guest's free-text comment, Spanish or English, to complaint categories when the
/// survey gave none: the text is lowercased, accents folded (composed or not), punctuation
/// removed (a sentence's end kept as a boundary), then matched against a lexicon of words and
/// phrases per category (with common misspellings). A match within three words after a
/// negation in the same sentence ("no fue lento", "not slow", "no tuvimos que esperar") does not
/// count; nor does one inside a phrase that only looks like a complaint ("esperamos volver",
/// "worth the wait"); and a word that only names a topic ("maridaje", "price") counts only in a
/// sentence that also says something is wrong with it ("el maridaje no tenía sentido", "no
/// cutlery change", not "el maridaje fue excelente").
public struct CommentClassifier: Sendable {
    /// A lexicon entry: words in order; a trailing `*` on a word matches any word starting so; a
    /// leading `?` marks a topic word, which needs a ``cues`` word in its sentence.
    /// Words are kept as UTF-8 bytes: matching compares bytes, not Unicode strings.
    struct Pattern: Sendable {
        let words: [[UInt8]]
        /// Per word: true when it matches as a prefix (written with a trailing `*`, kept here without it).
        let isPrefix: [Bool]
        /// Whether the pattern itself starts with a negation ("no nos atendio", "sin sabor").
        let startsWithNegation: Bool
        /// A topic word: it counts only with a complaint cue in the same sentence.
        let needsCue: Bool

        init(_ text: String) {
            needsCue = text.hasPrefix("?")
            let raw = (needsCue ? String(text.dropFirst()) : text).split(separator: " ").map(String.init)
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

    static let negations: Set<[UInt8]> = Set(
        ["no", "not", "nada", "ni", "never", "nunca", "sin", "isnt", "wasnt", "werent", "cant", "dont", "didnt", "doesnt", "wont", "jamas", "tampoco",
         "without", "hardly"].map { Array($0.utf8) })

    /// Words that say something was wrong, for topic words (``Pattern/needsCue``).
    static let cues: [Pattern] = [
        "no", "not", "nada", "ni", "nunca", "never", "sin", "mal", "mala", "malo", "malos", "malas", "pesim*", "terrible*", "horrible*", "fatal",
        "deficiente*", "flojo*", "floja*", "mediocre*", "decepcion*", "lamentable*", "pobre*", "poca", "poco", "excesiv*", "elevad*", "caro", "cara",
        "carisim*", "confus*", "bad", "poor*", "awful", "wrong", "lacking", "lacked", "disappoint*", "sloppy", "outrageous", "steep", "zero", "confusing",
        "nonsense", "overpriced", "expensive", "no sense",
    ].map(Pattern.init)

    /// Phrases that only look like complaints: a match inside one does not count.
    static let benign: [Pattern] = [
        "esperamos volver", "esperamos regresar", "esperamos venir", "esperamos repetir", "esperamos que", "espero volver", "espero regresar",
        "espero que", "esperamos con ansias", "vale la espera", "valio la espera", "uno espera", "se espera", "que espera", "cant wait", "worth the wait",
        "worth waiting", "no wait", "late dinner", "late lunch", "late reservation", "late night",
    ].map(Pattern.init)

    /// The lexicon, normalised text (no accents, lowercase).
    static let lexicon: [(ComplaintCategory, [Pattern])] = [
        (.slowService, [
            "lento", "lenta", "lentos", "lentitud", "lentisimo", "lentisima", "demora*", "demoro", "demoraron", "tardo", "tardaron",
            "tardanza", "tardisimo", "llego tarde", "espera", "esperamos", "esperar", "esperando", "esperamso", "mucho tiempo", "una eternidad", "eternidad", "eterno",
            "eterna", "nunca llego", "nunca llegaron", "atrasad*", "a paso de tortuga", "nadie vino", "se olvidaron de nosotros", "slow", "sloow", "slooow", "wait",
            "waited", "waiting", "waitted", "took forever", "took ages", "took too long", "too long", "long time", "a long while", "long wait", "long gaps",
            "dragged", "delay*", "late", "lenot", "demorrado", "nobody came", "no one came", "flag down", "flag someone down",
        ].map(Pattern.init)),
        (.orderError, [
            "equivoc*", "error en el pedido", "errores en el pedido", "pedido incorrecto", "pedido equivocado", "plato equivocado",
            "no era lo que pedi", "no es lo que pedi", "se olvido el", "se olvido la", "se olvidaron el", "se olvidaron la", "olvidaron el",
            "olvidaron la", "olvido el", "olvido la", "falto un", "falto el", "falto la", "faltaba", "trajeron otro", "trajeron otra",
            "cambiaron mi pedido", "confundi*", "confundio", "wrong order", "wrong dish", "wrong plate", "wrong wine", "wrong drink",
            "mistake*", "mixed up", "mix up", "mixup", "forgot", "forgotten", "missing", "not what i ordered", "incorrect", "wrnog",
            "equibocaron", "equivocaron", "order wrong", "got it wrong", "no habiamos pedido", "que no pedimos", "que no pedi", "el que pedi",
            "la que pedi", "lo que pedimos", "did not order", "didnt order", "never ordered", "what we ordered", "different wine", "different dish",
            "wrong main", "alergia", "alergico", "alergica", "allergy", "allergic", "not on the ticket",
        ].map(Pattern.init)),
        (.inattentiveOrRude, [
            "grosero", "grosera", "groseros", "groseria", "maleducado", "maleducada", "mal educado", "mal educada", "descortes",
            "antipatico", "antipatica", "desatento", "desatenta", "no nos atendio", "no nos atendieron", "nos ignoro", "nos ignoraron",
            "ignor*", "mala actitud", "prepotente", "de mala gana", "pesimo trato", "mal trato", "maltrato", "indiferente",
            "mala cara", "rude", "rud", "impolite", "ignored", "ignoring", "inattentive", "unfriendly", "?attitude", "arrogant",
            "dismissive", "never checked", "never came back", "unpleasant", "grocero", "maleducao", "cortante", "poco amable", "nada amable", "brusc*",
            "fastidiad*", "displicente", "distante", "frio y distante", "?calidez", "ni nos miraba", "ni nos miro", "no nos miraba", "nadie se acerco",
            "nadie vino a preguntar", "sin ganas", "no tener ganas", "annoyed", "irritated", "rolled his eyes", "rolled her eyes", "rolled their eyes",
            "eye roll", "nobody checked", "no one checked", "?warmth", "a bother", "condescending",
        ].map(Pattern.init)),
        (.poorRecommendation, [
            "mala recomendacion", "pesima recomendacion", "recomendo mal", "recomendacion del vino",
            "no supo explicar", "no supo recomendar", "no supo", "no sabia", "no conocia", "desconocia", "no conoce la carta", "?maridaje",
            "no sabia nada del vino", "bad recommendation", "poor recommendation", "terrible recommendation",
            "didnt know", "did not know", "couldnt explain", "could not explain", "no idea", "?pairing", "?recomendacion*", "?recommend*",
            "?knowledge", "recomendasion", "blank stare", "didnt seem to know", "did not seem to know", "doesnt seem to know", "no combinaba", "no iba con", "did not go with", "didnt go with",
            "?explicacion*", "?suggestion*", "?sugerencia*",
        ].map(Pattern.init)),
        (.etiquetteLapse, [
            "?etiqueta", "?protocolo", "lado equivocado", "retiro los platos", "retiraron los platos", "retiro el plato",
            "antes de que terminaramos", "se apoyo en la mesa", "interrumpio", "interrumpia", "con la mano", "?cubiertos",
            "?etiquette", "cleared the plates", "cleared our plates", "cleared plates", "before we finished", "reached across",
            "interrupted", "wrong side", "leaned on", "unprofessional", "poco profesional", "etiqeta", "sin dejarnos probar", "without letting us taste",
            "apil*", "stacked", "?cutlery", "por encima de la mesa", "across the table", "still eating", "seguia comiendo", "seguiamos comiendo",
            "poco apropiad*", "inapropiad*", "inappropriate",
        ].map(Pattern.init)),
        (.foodQuality, [
            "comida fria", "plato frio", "llego frio", "llego fria", "estaba frio", "estaba fria", "salado", "salada", "crudo",
            "cruda", "quemado", "quemada", "insipido", "insipida", "sin sabor", "mal sabor", "no estaba fresco", "pasado de coccion",
            "recocido", "cold food", "food was cold", "dish was cold", "arrived cold", "came out cold", "overcooked", "undercooked", "bland", "salty",
            "burnt", "burned", "raw", "tasteless", "stale", "soggy", "tibio", "tibios", "tibia", "tibias", "lukewarm", "empalagos*",
            "not fresh", "wasnt fresh", "mal sazonad*", "underseasoned", "overseasoned", "sin sal", "off night", "?comida", "?food", "?calidad",
        ].map(Pattern.init)),
        (.noiseOrAmbience, [
            "ruido", "ruidoso", "ruidosa", "bulla", "musica alta", "musica muy alta", "musica fuerte", "musica muy fuerte",
            "no se podia conversar", "no podiamos conversar", "mal ambiente", "pesimo ambiente", "ambiente ruidoso", "noisy", "noise", "loud", "too loud", "ambience",
            "ambiance", "crowded", "couldnt hear", "could not hear", "muy lleno", "gritando", "gritos", "shouting", "yelling",
        ].map(Pattern.init)),
        (.price, [
            "caro", "caros", "carisimo", "carisima", "costoso", "costosa", "cobraron de mas", "nos cobraron",
            "no vale lo que cuesta", "expensive", "overpriced", "?price*", "pricey", "overcharged", "charged us", "not worth", "?precio*",
            "?descorche", "?corkage", "?cargo", "?cuenta",
        ].map(Pattern.init)),
    ]

    /// Patterns (each with a value) by the FNV-1a hash of their first word (a hash collision only
    /// costs a byte comparison that fails), and those whose first word is a prefix (`demora*`):
    /// a token is compared with the few patterns that can start there, not with every one.
    struct Index<Value: Sendable>: Sendable {
        var exact: [UInt64: [(value: Value, pattern: Pattern)]] = [:]
        var prefixed: [(value: Value, pattern: Pattern)] = []

        init(_ entries: [(value: Value, pattern: Pattern)]) {
            for entry in entries {
                if entry.pattern.isPrefix[0] {
                    prefixed.append(entry)
                } else {
                    exact[FNV1a.hash(entry.pattern.words[0]), default: []].append(entry)
                }
            }
        }

        /// Gives `body` each entry whose pattern matches at `position` (its token hashed to
        /// `hash`) until it returns false.
        func forEachMatch(
            _ text: [UInt8], _ tokens: [Range<Int>], at position: Int, hash: UInt64, _ body: ((value: Value, pattern: Pattern)) -> Bool
        ) {
            for entry in exact[hash] ?? [] where entry.pattern.matches(text, tokens, at: position) {
                guard body(entry) else { return }
            }
            for entry in prefixed where entry.pattern.matches(text, tokens, at: position) {
                guard body(entry) else { return }
            }
        }

        /// The first entry whose pattern matches at `position`.
        func firstMatch(_ text: [UInt8], _ tokens: [Range<Int>], at position: Int, hash: UInt64) -> (value: Value, pattern: Pattern)? {
            var first: (value: Value, pattern: Pattern)?
            forEachMatch(text, tokens, at: position, hash: hash) { entry in
                first = entry
                return false
            }
            return first
        }
    }

    static let index = Index<Int>(
        lexicon.flatMap { category, patterns in
            let position = ComplaintCategory.allCases.firstIndex(of: category)!
            return patterns.map { (value: position, pattern: $0) }
        })
    static let cueIndex = Index<Void>(cues.map { ((), $0) })
    static let benignIndex = Index<Void>(benign.map { ((), $0) })

    static let negationHashes: Set<UInt64> = Set(negations.map { FNV1a.hash($0) })
    /// The token a sentence's end becomes.
    static let boundary = UInt8(ascii: ".")

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
        let isBoundary = tokens.map { text[$0].count == 1 && text[$0.lowerBound] == Self.boundary }
        // Each token's sentence (numbered), whether that sentence has a complaint cue, and the
        // tokens inside a benign phrase.
        var sentence = [Int](repeating: 0, count: tokens.count)
        var cued = Set<Int>()
        var benign = [Bool](repeating: false, count: tokens.count)
        for position in tokens.indices {
            sentence[position] = (position > 0 ? sentence[position - 1] : 0) + (isBoundary[position] ? 1 : 0)
            if Self.cueIndex.firstMatch(text, tokens, at: position, hash: hashes[position]) != nil { cued.insert(sentence[position]) }
            if let phrase = Self.benignIndex.firstMatch(text, tokens, at: position, hash: hashes[position])?.pattern {
                for covered in position..<(position + phrase.words.count) { benign[covered] = true }
            }
        }
        var found: UInt16 = 0  // one bit per category, in allCases order
        for position in tokens.indices where !benign[position] && !isBoundary[position] {
            // A negation up to three words before, in the same sentence.
            var negated = false
            for back in 1...3 where position - back >= 0 {
                if isBoundary[position - back] { break }
                if isNegation[position - back] { negated = true }
            }
            Self.index.forEachMatch(text, tokens, at: position, hash: hashes[position]) { entry in
                // A topic word stands or falls with its sentence's cue, a negation included ("no
                // cutlery change"); any other match does not count right after a negation.
                if entry.pattern.needsCue ? cued.contains(sentence[position]) : !negated || entry.pattern.startsWithNegation {
                    found |= UInt16(1) << UInt16(entry.value)
                }
                return true
            }
        }
        return ComplaintCategory.allCases.enumerated().filter { found & (1 << $0.offset) != 0 }.map(\.element)
    }

    /// Lowercase, accents folded, apostrophes dropped, a sentence's end (`.`, `!`, `?`, `;`, `¡`,
    /// `¿`, a line break) a `.` word, anything else but letters and digits a space.
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
        /// A sentence's end: a word of its own, once however many marks end it.
        func endSentence() {
            guard !output.isEmpty else { return }
            emit(nil)
            let last = output.count >= 2 ? output[output.count - 2] : nil
            guard !(last == boundary && output.count >= 2 && (output.count == 2 || output[output.count - 3] == 0x20)) else { return }
            emit(boundary)
            emit(nil)
        }
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            switch byte {
            case 0x41...0x5A: emit(byte + 0x20)
            case 0x61...0x7A, 0x30...0x39: emit(byte)
            case 0x27, 0x60: continue  // didn't → didnt
            case 0x2E, 0x21, 0x3F, 0x3B, 0x0A: endSentence()
            case 0xC2:
                // ¡ (C2 A1) and ¿ (C2 BF) open a sentence, so the one before has ended.
                let next = iterator.next()
                if next == 0xA1 || next == 0xBF { endSentence() } else { emit(nil) }
            case 0xCC, 0xCD:
                // A combining mark (U+0300…U+036F: a decomposed accent) belongs to the letter before.
                let next = iterator.next() ?? 0
                if byte == 0xCC || next <= 0xAF { continue }
                emit(nil)
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
        while output.last == 0x20 || output.last == boundary { output.removeLast() }
        return output
    }

    /// U+00C0…U+00FF (second byte & 0x3F) folded to a lowercase ASCII letter, nil for symbols.
    static let latin1Fold: [UInt8?] = {
        let letters = "aaaaaaaceeeeiiiidnooooo_ouuuuy_saaaaaaaceeeeiiiidnooooo_ouuuuy_y"
        return letters.utf8.map { $0 == UInt8(ascii: "_") ? nil : $0 }
    }()
}
