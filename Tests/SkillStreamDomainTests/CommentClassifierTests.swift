import Foundation
import Testing

@testable import SkillStreamDomain

/// The lexicon against a labelled set of 69 real-sounding comments in Spanish and English, with
/// misspellings, several complaints at once, negations and praise (Comments/comments.json).
@Suite struct CommentClassifierTests {
    struct Labelled: Decodable {
        let text: String
        let categories: [ComplaintCategory]
    }

    static func testSet() throws -> [Labelled] {
        let url = try #require(Bundle.module.url(forResource: "comments", withExtension: "json", subdirectory: "Comments"))
        return try JSONDecoder().decode([Labelled].self, from: Data(contentsOf: url))
    }

    @Test func precisionAndRecallPerCategoryOnTheLabelledSet() throws {
        let set = try Self.testSet()
        #expect(set.count >= 60)
        let classifier = CommentClassifier()
        var truePositives: [ComplaintCategory: Int] = [:]
        var falsePositives: [ComplaintCategory: Int] = [:]
        var falseNegatives: [ComplaintCategory: Int] = [:]
        for item in set {
            let found = Set(classifier.categories(of: item.text))
            let expected = Set(item.categories)
            for category in found.intersection(expected) { truePositives[category, default: 0] += 1 }
            for category in found.subtracting(expected) {
                falsePositives[category, default: 0] += 1
                print("false positive \(category.rawValue): \(item.text)")
            }
            for category in expected.subtracting(found) {
                falseNegatives[category, default: 0] += 1
                print("missed \(category.rawValue): \(item.text)")
            }
        }
        for category in ComplaintCategory.allCases {
            let tp = Double(truePositives[category, default: 0])
            let precision = tp / max(1, tp + Double(falsePositives[category, default: 0]))
            let recall = tp / max(1, tp + Double(falseNegatives[category, default: 0]))
            print("comment lexicon \(category.rawValue): precision \(precision), recall \(recall)")
            #expect(precision >= 0.85, "\(category.rawValue) precision \(precision)")
            #expect(recall >= 0.8, "\(category.rawValue) recall \(recall)")
        }
    }

    @Test func normalisationFoldsAccentsCaseAndPunctuationAndKeepsWhereSentencesEnd() {
        #expect(CommentClassifier.normalize("¡Pésimo SERVICIO!! ¿Por qué tardó tanto?") == "pesimo servicio . por que tardo tanto")
        #expect(CommentClassifier.normalize("Muy lenti\u{301}simo") == "muy lentisimo", "a decomposed accent folds like a composed one")
        #expect(CommentClassifier.normalize("Didn't   know—the wine") == "didnt know the wine")
        #expect(CommentClassifier.normalize("ñandú 🍷 café") == "nandu cafe")
    }

    @Test func aNegationReachesThreeWordsBackWithinItsSentence() {
        let classifier = CommentClassifier()
        #expect(classifier.categories(of: "No tuvimos que esperar nada.") == [])
        #expect(classifier.categories(of: "Can't wait to come back!") == [])
        #expect(classifier.categories(of: "¿Volveríamos? No. Lento.") == [.slowService], "the negation ended with its sentence")
    }

    @Test func phrasesThatOnlyLookLikeComplaintsDoNotCount() {
        let classifier = CommentClassifier()
        for praise in ["Esperamos volver pronto.", "Worth the wait.", "We had a late dinner and loved it.", "Es justo lo que uno espera de un lugar así."] {
            #expect(classifier.categories(of: praise) == [], "\(praise)")
        }
        #expect(classifier.categories(of: "Esperamos 40 minutos por la entrada.") == [.slowService])
    }

    @Test func aTopicWordCountsOnlyWithAComplaintInItsSentence() {
        let classifier = CommentClassifier()
        for praise in ["El maridaje fue excelente.", "Great attitude from the whole team.", "Etiqueta impecable. Precio justo."] {
            #expect(classifier.categories(of: praise) == [], "\(praise)")
        }
        #expect(classifier.categories(of: "El maridaje no tenía sentido.") == [.poorRecommendation])
        #expect(classifier.categories(of: "No cutlery change between courses.") == [.etiquetteLapse])
        #expect(classifier.categories(of: "Precios muy elevados.") == [.price])
        #expect(classifier.categories(of: "El maridaje fue excelente. El servicio, lento.") == [.slowService], "a complaint in another sentence is not about the wine")
    }

    @Test func negatedComplaintsDoNotCount() {
        let classifier = CommentClassifier()
        #expect(classifier.categories(of: "no fue lento") == [])
        #expect(classifier.categories(of: "it was not slow") == [])
        #expect(classifier.categories(of: "muy lento") == [.slowService])
    }
}
