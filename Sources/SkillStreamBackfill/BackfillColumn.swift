import SkillStreamDomain

/// The columns backfill knows, each by its canonical name (the raw value) and its synonyms.
/// Header names are compared after ``key(_:)``: case, accents, spaces, hyphens, underscores and
/// other punctuation do not matter, so `Customer Satisfaction Score`, `customer_satisfaction_score`
/// and ` CUSTOMER-SATISFACTION-SCORE ` are the same column.
enum BackfillColumn: String, CaseIterable, Sendable {
    case date = "Date"
    case restaurantID = "Restaurant_ID"
    case restaurantName = "Restaurant_Name"
    case city = "City"
    case staffID = "Staff_ID"
    case customerSatisfactionScore = "Customer_Satisfaction_Score"
    case specificComplaints = "Specific_Complaints"
    case comment = "Comment"
    case repeatCustomer = "Repeat_Customer"
    case visitID = "Visit_ID"
    case waitTimePerTable = "Wait_Time_per_Table"
    case orderAccuracyRate = "Order_Accuracy_Rate"
    case itemsOrdered = "Items_Ordered"
    case covers = "Covers"
    case serviceQualityBenchmark = "Service_Quality_Benchmark"
    case fineDiningAccreditation = "Fine_Dining_Accreditation"
    case targetWaitTime = "Target_Wait_Time"
    case programID = "Program_ID"
    case completed = "Completed"
    case completionDate = "Completion_Date"
    case assessmentScore = "Assessment_Score"
    case postTrainingPerformanceImprovement = "Post_Training_Performance_Improvement"
    case staffTurnoverRate = "Staff_Turnover_Rate"
    case trainingParticipationRate = "Training_Participation_Rate"

    /// Other names the column goes by in exports, Spanish and English.
    var synonyms: [String] {
        switch self {
        case .date:
            [
                "Fecha", "Day", "Día", "Visit_Date", "Fecha_Visita", "Survey_Date", "Fecha_Encuesta", "Enrollment_Date", "Fecha_Inscripción",
                "Start_Date", "Fecha_Inicio",
            ]
        case .restaurantID:
            ["Restaurant", "Restaurante", "Restaurant_Code", "Restaurante_ID", "ID_Restaurante", "Código_Restaurante", "Local", "Sede"]
        case .restaurantName: ["Nombre_Restaurante", "Nombre del restaurante"]
        case .city: ["Ciudad"]
        case .staffID:
            [
                "Staff", "Staff_Member", "Employee", "Employee_ID", "Empleado", "ID_Empleado", "Mesero", "Mesera", "Mozo", "Moza", "Waiter", "Waiter_ID",
                "Server", "Server_ID", "Colaborador",
            ]
        case .customerSatisfactionScore:
            [
                "Customer_Satisfaction", "Satisfaction", "Satisfaction_Score", "CSAT", "Satisfacción", "Satisfacción_Cliente", "Satisfacción del cliente",
                "Puntuación", "Puntaje", "Calificación", "Rating",
            ]
        case .specificComplaints: ["Complaints", "Complaint", "Quejas", "Queja", "Quejas_Específicas", "Reclamos", "Reclamo"]
        case .comment: ["Comments", "Comentario", "Comentarios", "Observaciones"]
        case .repeatCustomer: ["Returning_Customer", "Repeat_Guest", "Cliente_Frecuente", "Cliente_Recurrente"]
        case .visitID: ["Visit", "Visita", "ID_Visita", "Check_ID", "Ticket"]
        case .waitTimePerTable:
            ["Wait_Time", "Average_Wait_Time", "Avg_Wait_Time", "Tiempo_de_Espera", "Tiempo_Espera", "Tiempo de espera por mesa", "Espera"]
        case .orderAccuracyRate:
            ["Order_Accuracy", "Accuracy", "Precisión_Pedidos", "Precisión de pedidos", "Exactitud_Pedidos", "Exactitud de pedidos"]
        case .itemsOrdered: ["Items", "Items_per_Table", "Ítems_Pedidos", "Platos_Pedidos"]
        case .covers: ["Comensales", "Cubiertos", "Guests", "Pax", "Party_Size"]
        case .serviceQualityBenchmark:
            ["Benchmark", "Quality_Benchmark", "Service_Benchmark", "Estándar_Calidad", "Estándar de calidad", "Estándar de servicio"]
        case .fineDiningAccreditation: ["Accreditation", "Accredited", "Acreditación", "Acreditado", "Acreditación_Fine_Dining"]
        case .targetWaitTime: ["Target_Wait", "Wait_Target", "Tiempo_Objetivo", "Tiempo de espera objetivo", "Meta_de_Espera"]
        case .programID:
            ["Program", "Programa", "Training_Program", "ID_Programa", "Programa_ID", "Course", "Curso", "Capacitación"]
        case .completed: ["Completion", "Completado", "Completo", "Finished", "Terminado"]
        case .completionDate: ["Completed_Date", "Completed_On", "End_Date", "Fecha_Completado", "Fecha_Finalización", "Fecha_Fin"]
        case .assessmentScore: ["Assessment", "Test_Score", "Exam_Score", "Evaluación", "Nota", "Nota_Evaluación", "Puntaje_Evaluación"]
        case .postTrainingPerformanceImprovement:
            ["Performance_Improvement", "Post_Training_Improvement", "Mejora_Desempeño", "Mejora de desempeño", "Mejora_Post_Capacitación"]
        case .staffTurnoverRate: ["Turnover_Rate", "Turnover", "Staff_Turnover", "Rotación", "Rotación_Personal", "Rotación de personal"]
        case .trainingParticipationRate:
            ["Participation_Rate", "Training_Participation", "Participación", "Tasa_Participación", "Participación en capacitación"]
        }
    }

    /// Whether the column holds a wait time, whose name may end in a unit (`Wait_Time_Minutes`).
    var isDuration: Bool { self == .waitTimePerTable || self == .targetWaitTime }

    /// The kinds whose events take this column's values.
    var kinds: [BackfillKind] {
        switch self {
        case .date, .restaurantID, .staffID: BackfillKind.allCases
        case .customerSatisfactionScore, .specificComplaints, .comment, .repeatCustomer, .visitID: [.feedback]
        case .waitTimePerTable, .orderAccuracyRate, .itemsOrdered, .covers, .restaurantName, .city, .serviceQualityBenchmark, .fineDiningAccreditation,
            .targetWaitTime:
            [.staffPerformance]
        case .programID, .completed, .completionDate, .assessmentScore, .postTrainingPerformanceImprovement: [.training]
        case .staffTurnoverRate, .trainingParticipationRate: []
        }
    }

    /// Why a file of `kind` ignores this column; nil when the kind maps it.
    func ignoredReason(for kind: BackfillKind) -> String? {
        guard !kinds.contains(kind) else { return nil }
        switch (self, kind) {
        case (.staffTurnoverRate, _):
            return "turnover is derived by SkillStream from hr.staff_event.v1 hires and terminations; a rate is not an event"
        case (.trainingParticipationRate, _):
            return
                "a participation rate is an aggregate over the staff, not one person's event; backfill enrolments per person with --kind training"
        case (.customerSatisfactionScore, .staffPerformance):
            return
                "a period's average satisfaction is not one guest's answer: survey.guest_feedback.v1 takes single 1–5 answers (backfill them with --kind feedback)"
        case (.postTrainingPerformanceImprovement, _):
            return "SkillStream measures performance after training itself, from service events; in a --kind training file it marks the training as completed"
        default:
            return "mapped by --kind " + kinds.map(\.rawValue).joined(separator: ", ") + ", not by --kind \(kind.rawValue)"
        }
    }

    /// The columns a file of `kind` must have, all of them.
    static func required(for kind: BackfillKind) -> [BackfillColumn] {
        switch kind {
        case .feedback: [.date, .restaurantID, .staffID]
        case .staffPerformance: [.date, .restaurantID, .staffID, .waitTimePerTable, .orderAccuracyRate]
        case .training: [.date, .restaurantID, .staffID, .programID]
        }
    }

    /// Columns of which a file of `kind` must have at least one (what a guest said).
    static func requiredOneOf(for kind: BackfillKind) -> [BackfillColumn] {
        kind == .feedback ? [.customerSatisfactionScore, .specificComplaints, .comment] : []
    }

    /// A header name reduced to what identifies it: lowercase ASCII letters and digits, accents
    /// folded, everything else removed (`Satisfacción del cliente` → `satisfacciondelcliente`).
    static func key(_ name: String) -> String {
        CommentClassifier.normalize(name).split(separator: " ").joined()
    }

    /// Every name of every column, by key. Two columns sharing a name is a programmer error,
    /// caught when the table is built.
    static let byKey: [String: BackfillColumn] = Dictionary(
        uniqueKeysWithValues: allCases.flatMap { column in ([column.rawValue] + column.synonyms).map { (key($0), column) } })

    /// The column a header names, and for a wait time the length in seconds of a bare number in
    /// it: seconds, unless the name ends in a unit (`Wait_Time_Minutes`, `Espera (min)`,
    /// `Tiempo de espera en minutos`). Nil for a name backfill does not know.
    static func resolve(_ name: String) -> (column: BackfillColumn, bareUnitSeconds: Double)? {
        let key = key(name)
        if let column = byKey[key] { return (column, 1) }
        for unit in CellParser.durationUnits where key.hasSuffix(unit.name) {
            let base = String(key.dropLast(unit.name.count))
            let candidates = base.hasSuffix("en") || base.hasSuffix("in") ? [base, String(base.dropLast(2))] : [base]
            if let column = candidates.compactMap({ byKey[$0] }).first(where: \.isDuration) { return (column, unit.seconds) }
        }
        return nil
    }
}
