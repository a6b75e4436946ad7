import SkillStreamDomain
import Testing

@testable import SkillStreamBackfill

@Suite struct CellParserTests {
    @Test func numbersTakeADecimalPointOrADecimalComma() {
        #expect(CellParser.number("4") == 4)
        #expect(CellParser.number(" 4.0 ") == 4)
        #expect(CellParser.number("4,5") == 4.5)
        #expect(CellParser.number("-0.25") == -0.25)
        for text in ["", "abc", "1.234,5", "1e3", "nan", "4 5", "--1", "."] { #expect(CellParser.number(text) == nil, "\(text)") }
    }

    @Test func aSeparatorBeforeExactlyThreeDigitsCouldMarkThousandsAndIsRefused() {
        for text in ["1,200", "1.200", "-12,500", "999.999", "+100,000"] {
            #expect(CellParser.number(text) == nil && CellParser.isAmbiguousGrouping(text), "\(text)")
            #expect(CellParser.duration(text, bareUnitSeconds: 1) == nil, "\(text)")
        }
        // Not a thousands group: a lone 0 before it, four digits before it, or not three after it.
        #expect(CellParser.number("0,125") == 0.125 && CellParser.number("1234,567") == 1234.567)
        #expect(CellParser.number("1,25") == 1.25 && CellParser.number("1.2000") == 1.2)
        for text in ["0,125", "1234,567", "1,25", "1200", "abc"] { #expect(!CellParser.isAmbiguousGrouping(text), "\(text)") }
    }

    @Test func percentagesInEveryFormComeOnTheZeroToHundredScale() {
        for text in ["92%", "92 %", "0.92", "0,92", "92", " 92,0% "] { #expect(CellParser.percentage(text) == 92, "\(text)") }
        #expect(CellParser.percentage("92,5%") == 92.5)
        #expect(CellParser.percentage("1") == 100)
        #expect(CellParser.percentage("1%") == 1)
        #expect(CellParser.percentage("130%") == 130)
        #expect(CellParser.percentage("ninety") == nil)
    }

    @Test func yesAndNoInSpanishAndEnglish() {
        for text in ["Yes", "YES", "y", "Sí", "SÍ", "si", "S", "true", "Verdadero", "1"] { #expect(CellParser.boolean(text) == true, "\(text)") }
        for text in ["No", "n", "FALSE", "falso", "0"] { #expect(CellParser.boolean(text) == false, "\(text)") }
        for text in ["maybe", "2", ""] { #expect(CellParser.boolean(text) == nil, "\(text)") }
    }

    @Test func blankMarkersAreBlank() {
        for text in ["", "  ", "-", "N/A", "#N/A", "null", "\u{00A0}"] { #expect(CellParser.isBlank(text), "\(text)") }
        #expect(!CellParser.isBlank("0"))
    }

    @Test func datesAreDayFirstOrYearFirstWithTheDefaultTimeAndOffset() throws {
        let lima = BackfillConfiguration()
        let expectations = [
            ("2024-03-15", "2024-03-15T20:00:00-05:00"),
            ("15/03/2024", "2024-03-15T20:00:00-05:00"),
            ("5/3/2024", "2024-03-05T20:00:00-05:00"),
            ("15.03.2024", "2024-03-15T20:00:00-05:00"),
            ("2024/03/15", "2024-03-15T20:00:00-05:00"),
            ("2024-03-15 20:30", "2024-03-15T20:30:00-05:00"),
            ("2024-03-15T08:30:15", "2024-03-15T08:30:15-05:00"),
            ("15/03/2024 9:05", "2024-03-15T09:05:00-05:00"),
            ("15/03/2024 20:30 Z", "2024-03-15T20:30:00Z"),
            ("2024-03-15 20:30-03:00", "2024-03-15T20:30:00-03:00"),
            ("2024-03-15T20:30:00+01:00", "2024-03-15T20:30:00+01:00"),
        ]
        for (text, expected) in expectations {
            #expect(CellParser.time(text, lima)?.description == expected, "\(text)")
        }
        var lunchInUTC = BackfillConfiguration()
        lunchInUTC.utcOffsetMinutes = 0
        lunchInUTC.defaultLocalTimeMinutes = 13 * 60 + 30
        #expect(CellParser.time("15/03/2024", lunchInUTC) == (try time("2024-03-15T13:30:00Z")))
        for text in ["31/02/2024", "2024-13-01", "15/03/24", "March 15", "2024-03-15 25:00", "2024-03-15 20:30 EST", "45366"] {
            #expect(CellParser.time(text, lima) == nil, "\(text)")
        }
    }

    @Test func waitTimesAreSecondsUnlessAUnitSaysOtherwise() {
        #expect(CellParser.duration("720", bareUnitSeconds: 1) == 720)
        #expect(CellParser.duration("12", bareUnitSeconds: 60) == 720)
        #expect(CellParser.duration("12,5", bareUnitSeconds: 60) == 750)
        for text in ["12 min", "12m", "12 minutos", "720s", "720 seg", "00:12:00", "12:00"] {
            #expect(CellParser.duration(text, bareUnitSeconds: 1) == 720, "\(text)")
        }
        #expect(CellParser.duration("00:12:30", bareUnitSeconds: 60) == 750)
        #expect(CellParser.duration("12m30s", bareUnitSeconds: 1) == 750)
        #expect(CellParser.duration("1 h 5 min", bareUnitSeconds: 1) == 3_900)
        #expect(CellParser.duration("1,5 horas", bareUnitSeconds: 1) == 5_400)
        for text in ["abc", "12 parsecs", "12:75", "1:2:3:4", "12 30", "m"] { #expect(CellParser.duration(text, bareUnitSeconds: 1) == nil, "\(text)") }
    }
}
