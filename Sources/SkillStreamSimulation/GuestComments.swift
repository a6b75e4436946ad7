import SkillStreamDomain
import SkillStreamLearning

/// What simulated guests write: a sentence per complaint or praise, in Spanish or English, now
/// and then with a typo (letters swapped or dropped), as real survey comments come.
struct GuestComments {
    static let complaintsES: [ComplaintCategory: [String]] = [
        .slowService: ["La espera fue eterna.", "El servicio fue muy lento.", "Esperamos mucho tiempo por el primer plato.", "Tardaron demasiado en atendernos."],
        .orderError: ["Se equivocaron con mi pedido.", "Trajeron otro plato, no era lo que pedí.", "Faltaba un plato y el vino era el equivocado."],
        .inattentiveOrRude: ["El mozo fue grosero.", "Nos ignoraron toda la noche.", "Mala actitud del personal.", "Muy desatento, nunca volvió a la mesa."],
        .poorRecommendation: ["La recomendación del vino fue mala.", "No supo explicar la carta.", "El maridaje no tenía sentido."],
        .etiquetteLapse: ["Retiraron los platos antes de que termináramos.", "Sirvió por el lado equivocado.", "Poco profesional, se apoyó en la mesa."],
        .foodQuality: ["La comida llegó fría.", "El pescado estaba salado.", "Plato insípido, sin sabor."],
        .noiseOrAmbience: ["Había mucho ruido, no se podía conversar.", "Música muy alta.", "Ambiente ruidoso."],
        .price: ["Muy caro para lo que es.", "No vale lo que cuesta."],
    ]
    static let complaintsEN: [ComplaintCategory: [String]] = [
        .slowService: ["We waited forever.", "Service was very slow.", "The first course took too long."],
        .orderError: ["They got my order wrong.", "Wrong dish and a missing side.", "Not what I ordered."],
        .inattentiveOrRude: ["Our waiter was rude.", "We were ignored most of the night.", "Unfriendly and inattentive."],
        .poorRecommendation: ["Bad recommendation on the wine.", "He couldn't explain the menu.", "Poor pairing advice."],
        .etiquetteLapse: ["Plates were cleared before we finished.", "He reached across the table.", "Served from the wrong side, unprofessional."],
        .foodQuality: ["The food was cold.", "Overcooked fish.", "Bland and salty."],
        .noiseOrAmbience: ["Too loud to talk.", "Very noisy room.", "Crowded and loud."],
        .price: ["Overpriced.", "Expensive for what it is."],
    ]
    static let praiseES = ["Excelente servicio, volveremos.", "Todo perfecto, muy atentos.", "Una noche maravillosa.", "Muy buena atención."]
    static let praiseEN = ["Wonderful evening, thank you.", "Impeccable service.", "Lovely staff, we will be back."]

    /// A comment naming these complaints (praise when there are none).
    static func comment(for complaints: [ComplaintCategory], spanish: Bool, random: inout RandomSource) -> String {
        let table = spanish ? complaintsES : complaintsEN
        var sentences: [String] = complaints.compactMap { category in table[category].map { pick($0, &random) } }
        if sentences.isEmpty { sentences = [pick(spanish ? praiseES : praiseEN, &random)] }
        var text = sentences.joined(separator: " ")
        if random.nextUnit() < 0.15 { text = typo(text, &random) }
        return text
    }

    static func pick(_ options: [String], _ random: inout RandomSource) -> String {
        options[Int(random.nextUnit() * Double(options.count))]
    }

    /// Two adjacent letters swapped, or one dropped, somewhere in a word of five letters or more.
    static func typo(_ text: String, _ random: inout RandomSource) -> String {
        var characters = Array(text)
        let candidates = characters.indices.dropLast().filter { characters[$0].isLetter && characters[$0 + 1].isLetter }
        guard !candidates.isEmpty else { return text }
        let index = candidates[Int(random.nextUnit() * Double(candidates.count))]
        if random.nextUnit() < 0.5 { characters.swapAt(index, index + 1) } else { characters.remove(at: index) }
        return String(characters)
    }
}
