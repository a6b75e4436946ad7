#!/usr/bin/env python3
"""second_world.py -- an independent test world for SkillStream.

A second simulator of Peruvian fine-dining dining rooms, written only from the event
contract (Schemas/events/*.schema.json), the ground-truth schema and the default training
catalog, so that the gap detector can be checked on a world it was not tuned on.

    python3 Scripts/second_world.py --seed N --out DIR [--restaurants R] [--days D]
                                    [--min-staff A --max-staff B] [--start YYYY-MM-DD] [--check]

Writes DIR/pos.table-service.jsonl, survey.guest-feedback.jsonl, hr.staff-events.jsonl,
ref.restaurants.jsonl (one event a line, in the order the source system sends them) and
DIR/ground-truth.json (skillstream.simulation.ground_truth.v1). The default training catalog
(Schemas/catalog/training-programs.jsonl) is used as is: no ref.training-programs.jsonl.
Standard library only; --check validates everything with `jsonschema` if it is installed.

Modelling choices (deliberately this module's own)
--------------------------------------------------
Time
  * Peru time, fixed offset -05:00 (no DST). The run starts at local midnight 2026-06-01 (or
    --start) and lasts --days (90) days; it is moved earlier if it would end after 2026-12-01.
  * Restaurants open 6 days a week (closed Monday, or Sunday, or Sunday dinner), dinner on
    every open day and lunch on most. Dinner seatings 19:00-23:15, lunch 12:30-15:30;
    tasting menus last 2.5-4 h, a la carte 1.7-2.8 h, so many checks close after midnight.
  * Peruvian holidays (Jun 7, Jun 29, Jul 23, Jul 28-29, Aug 6, Aug 30, Oct 8, Nov 1...) open
    even on the closing day and are busy; Father's Day lunch (3rd Sunday of June) is packed;
    Cusco has its tourist high season (June-August, Inti Raymi week even more); Lima gets the
    Fiestas Patrias week.

Restaurants (ref.restaurants, published two days before the run, once each)
  * 10 by default: about 60 % Lima, 20 % Cusco, 20 % Arequipa; invented names.
  * service_quality_benchmark 82-95, accreditation for ~80 %, target_wait_time_seconds
    (seated -> first course) 660-1140 s in steps of 60.
  * Sizes: total staff drawn uniformly in [--min-staff, --max-staff] (8-22). Composition:
    1-2 hosts, 1-2 sommeliers, 1-2 bartenders, 1-2 captains, ~20 % runners, the rest servers.

Who serves tables (staff_id of a POS check)
  * Servers (weight 1.0) and captains (0.9) own most tables; bartenders own the bar seats
    (0.5); sommeliers own a few wine-pairing tables (0.3); runners own a few small tables
    (0.25). Hosts seat guests but never own a check: they have no POS events (and a trickle
    of free-standing, mostly friendly feedback).
  * Skill relevance by role (scales how much a weak level shows in the data):
        role       timeliness accuracy rapport knowledge etiquette
        server        1.0       1.0      1.0     0.8       1.0
        captain       0.9       0.9      1.0     0.9       1.0
        sommelier     0.5       0.5      0.9     1.0       0.8
        runner        1.0       0.9      0.4     0.3       0.8
        bartender     0.8       0.9      0.9     0.9       0.4
    Planted weaknesses are only put on skills that matter for the role (>= 0.8).

Latent skills (0-1, daily, weak_level = 0.45)
  * level = asymptote - new-hire learning gap * exp(-tenure/tau) - planted dip
            + training boosts + OU noise (sd ~0.045), clamped to [0.02, 0.98];
    the asymptote itself drifts slowly (mean-reverting walk, sd ~0.035). Competent
    asymptotes 0.53-0.95, so slow drift occasionally dips a mediocre skill below 0.45.
  * Planted (cause "planted"): ~12 % of table staff are chronically weak in one skill for the
    whole run (asymptote 0.22-0.40); ~17 % get a mid-run onset, half sudden (1-3 days, e.g. a
    personal crisis) and half gradual (2-5 weeks of decline) down to 0.18-0.38; 40 % of the
    onsets recover on their own after 12-40 days. ~12 % of weak staff get a second weak skill.
  * New hires (cause "new_hire"): juniors start 0.25-0.55 below their asymptote in 1-3 skills
    and learn with tau 12-40 days; experienced hires start only slightly below. A few of the
    initial staff were hired 2-8 weeks before the run and are still learning.
  * Typical outcome: ~9-11 % of (staff, skill) pairs weak for >= 14 days, i.e. ~40 % of the
    people, mostly in one skill (the generator prints the figure).

How a level shows up (per table, level L, relevance w, deficit x = max(0, ref - L)):
  * timeliness: wait = target * (0.78 + 1.0*w*max(0,0.85-L)^1.5) * restaurant pace
    * kitchen (x1.12 in a bad kitchen month) * busy night (x1.08) * load * party size
    * lognormal(sd 0.22). A weak server runs ~1.0-1.3x target against ~0.8x for peers.
  * order_accuracy: each item wrong with p = 0.004 + 0.13*w*max(0,0.8-L)^1.5
    (+0.003 in a bad kitchen month: the kitchen sends wrong plates too).
  * rapport / knowledge / etiquette: no POS trace; only complaint probabilities
    (~0.01 + 2*w*max(0,0.7-L)^2, ~0.35 at L=0.3) and lower satisfaction.
Guest feedback (survey.guest-feedback)
  * One event per responding guest (several guests of a party may answer). A party answers
    with p 0.38-0.52 (by restaurant), more after a bad experience; each further guest with
    p 0.3. 3 % of answers come through the web form without visit_id (free-standing).
  * Sent 5-90 min after the check (QR on the bill, 35 %), next day (email, 45 %), 2-4 days
    (15 %) or 5-10 days later (5 %).
  * Satisfaction: 4.8 + restaurant offset - penalties (wait over target, wrong items, the
    three "soft" skills, kitchen month -0.55, busy night -0.15, -0.35 per perceived issue)
    + guest noise (sd 0.55), rounded to 1-5; ~8 % missing (null or absent).
  * Each perceived issue is ticked as a category with p 0.62 and/or described in a free-text
    comment (p 0.5 when there is an issue, 0.18 otherwise; 85 % of the issues are mentioned).
    Comments are hand-written phrase pools, Spanish mostly (Lima 80 %, Arequipa 85 %, Cusco
    45 %), English otherwise, sometimes naming the server, sometimes typed without accents,
    sometimes praising the staff while blaming the kitchen or the noise. About 1 % of the
    surveys without a comment send comment "" (valid per the schema; --no-empty-comments
    turns that off).
  * Confounders: food_quality complaints ~4 % (35 % in a kitchen month), noise ~3 % (20 % on
    busy nights), price ~3 % (+4 % on expensive checks). Guests blame slow kitchens as
    slow_service too, and kitchen-month comments often say the kitchen was slow.
  * repeat_customer: ~22 % in Lima/Arequipa, ~8 % in Cusco; ~20 % null or absent.

Confounders (ground truth)
  * kitchen_bad_month: half of the restaurants (rounded), 30 days starting between day 7 and
    day D-37: food complaints, lower scores for everyone, a 12 % slower kitchen and a few
    kitchen-caused wrong items.
  * busy_night: dinners (18:00-03:00) on ~85 % of Fridays/Saturdays and on holidays and their
    eves: noise complaints, more tables per person, somewhat longer waits.

Staff events (hr.staff-events)
  * hired events for the initial staff carry their real (historical) hire date, in hire order,
    at the head of the file. New hires start owning tables 2-5 days after the hire.
  * ~5 % of staff leave per quarter (x4 hazard for long-weak planted staff); 85 % are replaced
    7-28 days later; Cusco hires extra runners for the season; a few extra hires.
  * Promotions (role_changed): a runner -> server in ~45 % of restaurants, server -> captain in
    ~20 %.
  * Trainings (catalog program ids only, respecting the catalog's roles):
      - induction (prog-induccion, sommeliers prog-maridaje/prog-carta-temporada) for 80 % of
        new hires, 1-7 days after the hire;
      - a seasonal menu change in half of the restaurants: everybody on the floor enrols in
        prog-carta-temporada the same morning;
      - managers notice 55 % of lasting weaknesses after 15-40 days and enrol the person in a
        random program for that skill (a second try 40 % of the time if it did not help).
    Completion: online 2-9 days, in person 5-20 days, shadowing 14-28 days; 10-15 % never
    complete. assessment_score is only loosely related to the true effect (useless programs
    score well too); sometimes null.
  * True effects (added to the level at completion, capped 0.98): see PROGRAM_EFFECTS below;
    prog-manejo-quejas and prog-etiqueta-videos do nothing, prog-horas-punta almost nothing.

Faults (modest, counted in ground truth)
  * ~0.15 % exact duplicates (re-sent within 5 min), ~0.5 % sent 1-45 min after their event
    time (out_of_order), ~0.05 % sent 8-48 h late, and ~2 malformed messages per reason
    (malformed_json, wrong_type, out_of_range, missing_field, invalid_utf8) replacing a POS or
    survey event. HR and reference events are never corrupted (duplicates only).
  * records_per_topic counts the lines written per file, faults included.

Ground truth conventions
  * weak_skills periods are checked at each local midnight of employment within the run (for a
    hire during the run, from the first midnight after the hire). to = first midnight back at
    or above weak_level; if still weak when the person is terminated, to = terminated_at; if
    still weak at the end of the run, to is absent.
  * cause: planted if the period overlaps a planted episode of that skill, else new_hire if it
    starts within 60 days of the hire, else drift.
  * trainings: levels_before = the level on the completion day, levels_after =
    min(0.98, before + true effect); recommended is always false (no closed loop here).
"""

import argparse
import json
import math
import os
import random
import sys
import unicodedata
from datetime import datetime, timedelta, timezone

PE = timezone(timedelta(hours=-5))
TODAY_LIMIT = datetime(2026, 12, 1, tzinfo=PE)
DAY = 86400

SKILLS = ["timeliness", "order_accuracy", "guest_rapport", "menu_and_wine_knowledge", "table_etiquette"]
T, OA, GR, MK, TE = SKILLS
ROLES = ["server", "sommelier", "host", "runner", "bartender", "captain"]
TABLE_ROLES = {"server", "captain", "sommelier", "runner", "bartender"}
WEAK_LEVEL = 0.45

RELEVANCE = {
    "server": {T: 1.0, OA: 1.0, GR: 1.0, MK: 0.8, TE: 1.0},
    "captain": {T: 0.9, OA: 0.9, GR: 1.0, MK: 0.9, TE: 1.0},
    "sommelier": {T: 0.5, OA: 0.5, GR: 0.9, MK: 1.0, TE: 0.8},
    "runner": {T: 1.0, OA: 0.9, GR: 0.4, MK: 0.3, TE: 0.8},
    "bartender": {T: 0.8, OA: 0.9, GR: 0.9, MK: 0.9, TE: 0.4},
    "host": {T: 0.0, OA: 0.0, GR: 0.0, MK: 0.0, TE: 0.0},
}
TABLE_WEIGHT = {"server": 1.0, "captain": 0.9, "bartender": 0.5, "sommelier": 0.3, "runner": 0.25, "host": 0.0}
# which skill a planted weakness hits, by role
PLANT_SKILL = {
    "server": {T: 0.24, OA: 0.24, GR: 0.2, MK: 0.14, TE: 0.18},
    "captain": {T: 0.25, OA: 0.2, GR: 0.3, MK: 0.0, TE: 0.25},
    "sommelier": {MK: 0.6, GR: 0.25, TE: 0.15},
    "runner": {T: 0.45, OA: 0.35, TE: 0.2},
    "bartender": {T: 0.25, OA: 0.3, GR: 0.25, MK: 0.2},
}

# True effect of each catalog program on completion (this world's own choice).
PROGRAM_EFFECTS = {
    "prog-ritmo-servicio": {T: 0.22},
    "prog-horas-punta": {T: 0.04},
    "prog-pedidos-sin-error": {OA: 0.25},
    "prog-pos-comandas": {OA: 0.10},
    "prog-hospitalidad": {GR: 0.21},
    "prog-manejo-quejas": {GR: 0.0},
    "prog-maridaje": {MK: 0.27},
    "prog-carta-temporada": {MK: 0.08},
    "prog-protocolo-mesa": {TE: 0.22},
    "prog-etiqueta-videos": {TE: 0.0},
    "prog-sombra-capitan": {T: 0.12, TE: 0.15},
    "prog-induccion": {OA: 0.10, GR: 0.06, TE: 0.10},
    "prog-barra": {MK: 0.18, GR: 0.05},
}

HOLIDAYS = {(1, 1), (4, 2), (4, 3), (5, 1), (6, 7), (6, 29), (7, 23), (7, 28), (7, 29), (8, 6), (8, 30),
            (10, 8), (11, 1), (12, 8), (12, 9), (12, 25)}

NAMES = {
    "Lima": ["Ámbar", "Huarango", "Sal de Mar", "Casa Lúcuma", "Quinua Negra", "Tumbo", "Olivar de San Isidro",
             "Caplina", "Bruma", "Muña"],
    "Cusco": ["Inti Wasi", "Mesa de Piedra", "Killa", "Saqsay", "Tarwi"],
    "Arequipa": ["Sillar", "Misti Cocina", "Chachani", "Rocoto Azul"],
}
CITY_CODE = {"Lima": "lim", "Cusco": "cus", "Arequipa": "aqp"}
FIRST_NAMES = ["Lucía", "Carlos", "Mariana", "José", "Valeria", "Luis", "Camila", "Jorge", "Daniela", "Miguel",
               "Andrea", "Renzo", "Fiorella", "Diego", "Rosa", "Joaquín", "Alessandra", "Piero", "Milagros",
               "César", "Gabriela", "Álvaro", "Ximena", "Martín", "Kiara", "Raúl", "Sofía", "Bruno", "Patricia",
               "Óscar", "Yesenia", "Franco", "Nadia", "Gustavo", "Katherine", "Hugo", "Ana Lucía", "Wilmer",
               "Rocío", "Iván", "Pamela", "Eduardo", "Carmen", "Sebastián", "Lorena", "Ricardo", "Flor", "Manuel"]


def clamp(x, lo, hi):
    return lo if x < lo else hi if x > hi else x


# ---------------------------------------------------------------------------------------------
# free-text comments (this module's own wording)

ES = {
    "slow_service": [
        "Esperamos casi media hora para el primer plato.",
        "Entre tiempo y tiempo pasaba demasiado rato, la cena se hizo eterna.",
        "Tuvimos que llamar varias veces para que nos tomaran el pedido.",
        "El servicio fue muy lento, sobre todo al inicio.",
        "Nos dejaron olvidados un buen rato después de sentarnos.",
        "Para ser un menú degustación, los tiempos estuvieron muy descoordinados.",
        "Demoraron muchísimo en traer la cuenta y ya teníamos que irnos.",
        "Pedimos agua tres veces antes de que llegara.",
        "La atención fue lentísima, pasaron 40 minutos sin que nadie apareciera.",
        "Mucha demora entre los platos, se perdió el ritmo de la noche.",
        "Llegamos a tiempo a la reserva pero el primer tiempo tardó una eternidad.",
    ],
    "kitchen_slow": [
        "La cocina se demoró bastante, aunque el mozo nos fue avisando y se disculpó.",
        "Se notaba que en cocina estaban atrasados, los platos salían muy lentos.",
        "Los platos tardaron mucho en salir de la cocina, no fue culpa de la moza.",
    ],
    "order_error": [
        "Nos trajeron un plato que no habíamos pedido.",
        "Mi pareja pidió sin gluten y le sirvieron el pan igual.",
        "Se equivocaron con el vino: pedimos un malbec y llegó otra cosa.",
        "Faltó un plato en la comanda y tuvimos que reclamarlo.",
        "El término de la carne no era el que pedí.",
        "Avisamos de la alergia a los mariscos al reservar y aun así vino un plato con langostinos.",
        "Confundieron los pedidos de dos personas de la mesa.",
        "Nos cobraron un pisco sour que nunca llegó.",
        "Pedí el menú vegetariano y me trajeron el tradicional.",
    ],
    "inattentive_or_rude": [
        "El mozo fue cortante y poco amable.",
        "Nos sentimos ignorados toda la noche.",
        "La moza ni nos miraba cuando le hablábamos.",
        "Nos atendieron de mala gana cuando pedimos cambiar de mesa.",
        "Poca calidez en la atención, se notaba fastidiado.",
        "Nadie se acercó a preguntar si todo estaba bien.",
        "Respondió de forma brusca cuando preguntamos por la cuenta.",
        "Trato frío y distante, no es lo que uno espera en un lugar así.",
        "{name} parecía no tener ganas de atendernos.",
    ],
    "poor_recommendation": [
        "Le pedimos una recomendación de vino y no supo qué decir.",
        "El maridaje sugerido no tuvo nada que ver con los platos.",
        "No conocía los ingredientes de los platos del menú.",
        "Preguntamos por el origen del pisco y respondió cualquier cosa.",
        "Nos recomendó un vino carísimo que no combinaba con el pescado.",
        "Cuando preguntamos qué llevaba el plato tuvo que ir a consultar a cocina dos veces.",
        "Las explicaciones de los platos fueron confusas y hasta contradictorias.",
    ],
    "etiquette_lapse": [
        "Sirvieron el vino sin dejarnos probarlo.",
        "Retiraron los platos mientras uno de nosotros seguía comiendo.",
        "Se estiró por encima de la mesa para servir.",
        "Nos trataron con una confianza poco apropiada para el lugar.",
        "No cambiaron los cubiertos entre platos.",
        "Sirvió primero a los caballeros y al final a las señoras, detalle feo.",
        "Dejó la botella sobre la mesa sin servir y se fue.",
        "Apiló los platos frente a nosotros al retirarlos.",
    ],
    "food_quality": [
        "El pescado no estaba fresco.",
        "Los platos llegaron tibios.",
        "La comida no estuvo al nivel de otras veces.",
        "El lomo estaba seco y el postre empalagoso.",
        "Sentimos que la cocina bajó mucho la calidad.",
        "El ceviche estaba pasado de limón y sin sabor.",
        "Varios platos salieron mal sazonados.",
    ],
    "noise_or_ambience": [
        "Había demasiado ruido, no podíamos conversar.",
        "La música muy fuerte y la mesa de al lado gritando.",
        "Muy lleno, parecía un bar más que un restaurante de este nivel.",
        "El ambiente estaba muy ruidoso esa noche.",
    ],
    "price": [
        "Muy caro para lo que ofrecen.",
        "La relación precio-calidad no justifica la cuenta.",
        "El cargo por descorche es excesivo.",
        "Precios muy elevados, esperaba más por ese monto.",
    ],
    "praise": [
        "Excelente atención de principio a fin.",
        "Nuestra moza fue encantadora y muy atenta.",
        "El mozo nos explicó cada plato con mucho detalle.",
        "Todo perfecto, volveremos pronto.",
        "Un servicio impecable, muy profesional.",
        "{name} nos atendió de maravilla, muy recomendable.",
        "Gracias a {name} por hacer especial nuestro aniversario.",
        "Muy buena experiencia, el equipo de sala es de primera.",
        "El sommelier nos guió muy bien con el maridaje.",
    ],
    "neutral": [
        "Bien en general.",
        "Buena experiencia, nada que destacar.",
        "Correcto.",
        "Volveremos a probar la nueva carta.",
    ],
    "staff_ok_but": [
        "La atención fue muy buena, pero",
        "El servicio estuvo bien; lástima que",
        "Nada que decir del mozo, muy amable. Sin embargo,",
    ],
}
EN = {
    "slow_service": [
        "We waited ages for the first course.",
        "Service was painfully slow between courses.",
        "Nobody came to take our order for a long time.",
        "The pacing was off, long gaps between dishes.",
        "It took forever to get the bill.",
        "We had to flag someone down twice just to get water.",
        "Way too slow for a tasting menu, the evening dragged on.",
    ],
    "kitchen_slow": [
        "The kitchen was clearly backed up, though our waiter kept us informed.",
        "Dishes took a long time to come out of the kitchen, not the server's fault.",
    ],
    "order_error": [
        "They brought the wrong main course.",
        "My allergy was noted but the dish still came with nuts.",
        "One of our dishes never arrived, it wasn't on the ticket.",
        "Got a different wine from the one we ordered.",
        "Our orders got mixed up between the two of us.",
        "I asked for the vegetarian menu and got the regular one.",
    ],
    "inattentive_or_rude": [
        "Our waiter was dismissive and a bit rude.",
        "Felt ignored most of the evening.",
        "Zero warmth from our server, we felt like a bother.",
        "The waiter rolled his eyes when we asked a question.",
        "Nobody checked on us once the food was served.",
        "{name} seemed annoyed the whole time.",
    ],
    "poor_recommendation": [
        "Asked for a wine suggestion and got a blank stare.",
        "The pairing recommendation made no sense with the ceviche.",
        "Our server couldn't explain what was in the dishes.",
        "Didn't seem to know the menu at all.",
        "Recommended a very expensive bottle that did not go with fish.",
    ],
    "etiquette_lapse": [
        "Plates were cleared while my wife was still eating.",
        "He reached across the table to serve, not what you'd expect here.",
        "No cutlery change between courses.",
        "Wine was poured without letting us taste it first.",
        "Stacked the dirty plates right in front of us.",
    ],
    "food_quality": [
        "The fish wasn't fresh.",
        "Food arrived lukewarm.",
        "The kitchen was clearly having an off night.",
        "Dishes were underseasoned and the lamb overcooked.",
        "Disappointing food for this price range.",
    ],
    "noise_or_ambience": [
        "Way too loud to hold a conversation.",
        "Packed and noisy, not relaxing at all.",
        "Music was far too loud.",
    ],
    "price": [
        "Overpriced for what it is.",
        "Not worth the price.",
        "Corkage fee is outrageous.",
    ],
    "praise": [
        "Wonderful service, thank you!",
        "Our server was attentive and knowledgeable.",
        "Flawless evening, the staff made it special.",
        "{name} was fantastic, great wine suggestions.",
        "Best service we had in Peru.",
    ],
    "neutral": [
        "Nice evening overall.",
        "Good, nothing special to report.",
        "Fine.",
    ],
    "staff_ok_but": [
        "Service was lovely, but",
        "No complaints about our waiter, however",
    ],
}
STAFF_ISSUES = ["slow_service", "order_error", "inattentive_or_rude", "poor_recommendation", "etiquette_lapse"]


def strip_accents(s):
    return "".join(c for c in unicodedata.normalize("NFD", s) if unicodedata.category(c) != "Mn")


def lower_first(s):
    return s[:1].lower() + s[1:] if s else s


def make_comment(rng, lang, issues, name, kitchen_month):
    pool = ES if lang == "es" else EN
    parts = []
    staff_iss = [i for i in issues if i in STAFF_ISSUES]
    other = [i for i in issues if i not in STAFF_ISSUES]
    if not issues:
        parts.append(rng.choice(pool["praise"] if rng.random() < 0.7 else pool["neutral"]))
    else:
        if not staff_iss and other and rng.random() < 0.35:
            # praise the staff, blame something else
            lead = rng.choice(pool["staff_ok_but"])
            parts.append(lead + " " + lower_first(rng.choice(pool[other[0]])))
            other = other[1:]
        for i in staff_iss + other:
            if i == "slow_service" and kitchen_month and rng.random() < 0.5:
                parts.append(rng.choice(pool["kitchen_slow"]))
            else:
                parts.append(rng.choice(pool[i]))
        rng.shuffle(parts) if rng.random() < 0.3 else None
    text = " ".join(parts).replace("{name}", name)
    if rng.random() < 0.12:
        text = strip_accents(text).lower()
    if rng.random() < 0.05:
        text = text + (" 👎" if issues else " 👏")
    return text


# ---------------------------------------------------------------------------------------------
# small random helpers (stdlib only)

def poisson(rng, lam):
    if lam <= 0:
        return 0
    if lam > 60:
        return max(0, int(round(rng.gauss(lam, math.sqrt(lam)))))
    l, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= l:
            return k
        k += 1


def binomial(rng, n, p):
    return sum(1 for _ in range(n) if rng.random() < p)


def wchoice(rng, d):
    keys = list(d.keys())
    return rng.choices(keys, weights=[d[k] for k in keys], k=1)[0]


# ---------------------------------------------------------------------------------------------
# world objects

class Restaurant:
    pass


class Staff:
    def __init__(self, sid, rest, role, hire_t, name):
        self.sid = sid
        self.rest = rest
        self.role0 = role
        self.roles = [(-10**9, role)]  # (day from which, role)
        self.hire_t = hire_t  # seconds from start (may be negative)
        self.hire_day = math.floor(hire_t / DAY)
        self.term_t = None
        self.term_day = None
        self.name = name
        self.level = {s: {} for s in SKILLS}  # day -> level
        self.episodes = []  # planted
        self.trainings = []
        self.vacation = None
        self.off_weekday = None
        self.serve_from = self.hire_day + 1

    def role_on(self, d):
        r = self.roles[0][1]
        for day, role in self.roles:
            if day <= d:
                r = role
        return r

    @property
    def role(self):
        return self.roles[-1][1]

    def active(self, d):
        return self.hire_day <= d and (self.term_day is None or d < self.term_day)


class World:
    def __init__(self, seed, n_rest, days, min_staff, max_staff, start_date):
        self.rng = random.Random(seed)
        self.seed = seed
        self.D = days
        start = datetime(start_date.year, start_date.month, start_date.day, tzinfo=PE)
        if start + timedelta(days=days) > TODAY_LIMIT:
            start = TODAY_LIMIT - timedelta(days=days)
            start = datetime(start.year, start.month, start.day, tzinfo=PE)
        self.start = start
        self.end_t = days * DAY
        self.n_rest = n_rest
        self.min_staff, self.max_staff = min_staff, max_staff
        self.hr = []  # (send_t, seq, dict)
        self.pos = []
        self.svy = []
        self.ref = []
        self.seq = 0
        self.fault = {"duplicates": 0, "out_of_order": 0, "late": 0, "malformed_by_reason": {}}
        self.hr_counter = 0
        self.staff_all = []

    # -- time helpers
    def iso(self, t, ms=False):
        dt = self.start + timedelta(seconds=t)
        return dt.isoformat(timespec="milliseconds" if ms else "seconds")

    def date_of(self, d):
        return (self.start + timedelta(days=d)).date()

    def next_seq(self):
        self.seq += 1
        return self.seq

    # -----------------------------------------------------------------------------------------
    def build_restaurants(self):
        rng = self.rng
        cities = []
        for i in range(self.n_rest):
            x = i % 10
            cities.append("Lima" if x in (0, 1, 3, 5, 6, 8) else "Cusco" if x in (2, 7) else "Arequipa")
        used = {c: 0 for c in NAMES}
        pools = {c: rng.sample(v, len(v)) for c, v in NAMES.items()}
        rests = []
        n_kitchen = int(round(self.n_rest * 0.5))
        kitchen_idx = set(rng.sample(range(self.n_rest), n_kitchen))
        menu_idx = set(rng.sample(range(self.n_rest), self.n_rest // 2))
        for i, city in enumerate(cities):
            r = Restaurant()
            names = pools[city]
            k = used[city]
            used[city] += 1
            base = names[k % len(names)]
            r.name = base if k < len(names) else "%s %d" % (base, k // len(names) + 1)
            slug = strip_accents(base).lower().replace(" ", "")[:8]
            r.rid = "%s-%s-%02d" % (CITY_CODE[city], slug, i + 1)
            r.city = city
            r.idx = i
            r.benchmark = float(rng.randint(82, 95))
            r.accredited = rng.random() < 0.8
            r.target = float(60 * rng.randint(11, 19))
            r.pace = rng.uniform(0.9, 1.05)
            r.size = rng.randint(self.min_staff, self.max_staff)
            r.tasting_share = rng.uniform(0.3, 0.75)
            r.menu_price = rng.choice([390, 450, 520, 590, 650, 720])
            r.carte_price = rng.uniform(180, 320)
            r.resp = rng.uniform(0.38, 0.52)
            r.score_offset = rng.uniform(-0.15, 0.15)
            r.english = {"Lima": 0.2, "Cusco": 0.55, "Arequipa": 0.15}[city]
            r.repeat = 0.08 if city == "Cusco" else rng.uniform(0.18, 0.26)
            closing = rng.random()
            r.closed_wd = 0 if closing < 0.6 else 6  # Monday or Sunday
            r.sunday_dinner_closed = r.closed_wd == 0 and rng.random() < 0.5
            r.lunch_wd = set(range(7)) if city != "Lima" else set(rng.sample(range(7), rng.randint(4, 7)))
            r.ms_timestamps = (i == 3)  # this POS vendor sends milliseconds
            r.minute_waits = (i == 5)  # this POS rounds waits to the minute
            r.n_tables = max(8, int(r.size * 1.6))
            r.kitchen = None
            if i in kitchen_idx:
                lo, hi = 7, max(7, self.D - 37)
                r.kitchen = rng.randint(lo, hi)
            r.menu_change = rng.randint(15, max(15, self.D - 15)) if i in menu_idx else None
            r.busy = set()
            r.confounders = []
            r.staff = []
            r.emp_no = 100
            r.used_names = set()
            rests.append(r)
        self.rests = rests

    def weekday(self, d):
        return self.date_of(d).weekday()

    def is_holiday(self, d):
        dt = self.date_of(d)
        return (dt.month, dt.day) in HOLIDAYS

    def is_open(self, r, d, shift):
        wd = self.weekday(d)
        if self.is_holiday(d) or self.is_holiday(d + 1):
            return shift == "dinner" or wd in r.lunch_wd
        if wd == r.closed_wd:
            return False
        if shift == "dinner" and wd == 6 and r.sunday_dinner_closed:
            return False
        if shift == "lunch":
            return wd in r.lunch_wd
        return True

    def load(self, r, d, shift):
        dt = self.date_of(d)
        wd = dt.weekday()
        if shift == "dinner":
            f = [0.75, 0.8, 0.85, 0.95, 1.2, 1.3, 0.7][wd]
        else:
            f = [0.7, 0.75, 0.8, 0.85, 0.95, 1.15, 1.25][wd]
        if self.is_holiday(d) or (shift == "dinner" and self.is_holiday(d + 1)):
            f = max(f, 1.3)
        if r.city == "Cusco" and dt.month in (6, 7, 8):
            f *= 1.15
            if dt.month == 6 and 20 <= dt.day <= 26:
                f *= 1.2
        if r.city == "Lima" and dt.month == 7 and 24 <= dt.day <= 31:
            f *= 1.1
        if shift == "lunch" and dt.month == 6 and wd == 6 and 15 <= dt.day <= 21:
            f *= 1.5  # Father's Day lunch
        return f

    # -----------------------------------------------------------------------------------------
    def new_staff(self, r, role, hire_t, kind):
        rng = self.rng
        r.emp_no += rng.randint(1, 9)
        sid = "%s-e%04d" % (r.rid, r.emp_no)
        name = rng.choice(FIRST_NAMES)
        st = Staff(sid, r, role, hire_t, name)
        st.kind = kind
        st.off_weekday = rng.choice([w for w in range(7) if w != r.closed_wd])
        if rng.random() < 0.15:
            v0 = rng.randint(0, max(0, self.D - 10))
            st.vacation = (v0, v0 + rng.randint(7, 14))
        skill_base = rng.uniform(0.62, 0.88) if kind != "junior" else rng.uniform(0.6, 0.82)
        st.mu0 = {}
        for s in SKILLS:
            st.mu0[s] = clamp(skill_base + rng.gauss(0, 0.07), 0.53, 0.95)
        if role == "sommelier":
            st.mu0[MK] = clamp(st.mu0[MK] + 0.08, 0.6, 0.96)
        st.mu = dict(st.mu0)
        st.ou = {s: rng.gauss(0, 0.04) for s in SKILLS}
        st.boost = {s: 0.0 for s in SKILLS}
        # learning curve
        st.learn = {}
        if kind == "junior":
            k = rng.choice([1, 1, 2, 2, 3])
            weak = rng.sample(SKILLS, k)
            for s in SKILLS:
                if s in weak:
                    st.learn[s] = (rng.uniform(0.35, 0.65), rng.uniform(18, 50))
                else:
                    st.learn[s] = (rng.uniform(0.0, 0.12), rng.uniform(10, 20))
        elif kind == "experienced":
            for s in SKILLS:
                st.learn[s] = (rng.uniform(0.0, 0.15), rng.uniform(8, 20))
        # planted weaknesses (only table roles, only on relevant skills)
        if role in TABLE_ROLES:
            pc, po = (0.17, 0.27) if role != "captain" else (0.06, 0.12)
            x = rng.random()
            plant = None
            if x < pc:
                plant = "chronic"
            elif x < pc + po:
                plant = "onset"
            if plant:
                skills = [wchoice(rng, PLANT_SKILL[role])]
                if rng.random() < 0.18:
                    s2 = wchoice(rng, PLANT_SKILL[role])
                    if s2 not in skills:
                        skills.append(s2)
                for s in skills:
                    self.plant(st, s, plant)
        # manager attention
        st.notice = {s: rng.randint(15, 40) for s in SKILLS}
        st.weak_run = {s: 0 for s in SKILLS}
        st.tries = {s: 0 for s in SKILLS}
        st.pending = []  # (complete_day, complete_t, training)
        r.staff.append(st)
        self.staff_all.append(st)
        return st

    def plant(self, st, s, kind):
        rng = self.rng
        if kind == "chronic":
            low = rng.uniform(0.22, 0.40)
            st.mu0[s] = low
            st.mu[s] = low
            st.episodes.append({"skill": s, "kind": "chronic", "from": -10**9, "to": 10**9})
        else:
            sudden = rng.random() < 0.5
            low = rng.uniform(0.18, 0.38)
            ramp = rng.randint(1, 3) if sudden else rng.randint(14, 35)
            hi_t0 = max(3, self.D - 20 - ramp)
            lo_t0 = min(max(3, st.hire_day + 20), hi_t0)
            t0 = rng.randint(lo_t0, hi_t0)
            rec = None
            rec_ramp = rng.randint(3, 14)
            if rng.random() < 0.4:
                rec = t0 + ramp + rng.randint(12, 40)
            st.episodes.append({"skill": s, "kind": "sudden" if sudden else "gradual", "low": low, "t0": t0,
                                "ramp": ramp, "rec": rec, "rec_ramp": rec_ramp,
                                "from": t0, "to": (rec + rec_ramp) if rec is not None else 10**9})

    def dip(self, st, s, d, base):
        total = 0.0
        for e in st.episodes:
            if e["skill"] != s or e["kind"] == "chronic":
                continue
            depth = max(0.0, base - e["low"])
            if d < e["t0"]:
                f = 0.0
            elif d < e["t0"] + e["ramp"]:
                f = (d - e["t0"] + 1) / e["ramp"]
            else:
                f = 1.0
            if e["rec"] is not None and d >= e["rec"]:
                f *= max(0.0, 1.0 - (d - e["rec"] + 1) / e["rec_ramp"])
            total += depth * f
        return total

    def step_levels(self, st, d):
        rng = self.rng
        for s in SKILLS:
            st.mu[s] += -0.01 * (st.mu[s] - st.mu0[s]) + rng.gauss(0, 0.005)
            st.ou[s] = st.ou[s] * 0.92 + rng.gauss(0, 0.018)
            base = st.mu[s]
            if s in st.learn:
                gap, tau = st.learn[s]
                base -= gap * math.exp(-max(0, d - st.hire_day) / tau)
            base -= self.dip(st, s, d, base)
            st.level[s][d] = clamp(base + st.boost[s] + st.ou[s], 0.02, 0.98)

    # -----------------------------------------------------------------------------------------
    def hr_event(self, t, r, st, typ, **kw):
        self.hr_counter += 1
        ev = {"schema": "hr.staff_event.v1", "event_id": "hris-%s-%06d" % (r.rid, self.hr_counter),
              "occurred_at": self.iso(t), "restaurant_id": r.rid, "staff_id": st.sid, "type": typ}
        ev.update(kw)
        self.hr.append((t + self.rng.uniform(1, 120), self.next_seq(), ev))

    def enrol(self, st, d, program, t=None):
        rng = self.rng
        r = st.rest
        if t is None:
            t = d * DAY + rng.randint(9 * 3600, 17 * 3600)
        fmt = PROGRAMS[program]["format"]
        if fmt == "online":
            dur, pc = rng.randint(2, 9), 0.85
        elif fmt == "in_person":
            dur, pc = rng.randint(5, 20), 0.9
        else:
            dur, pc = rng.randint(14, 28), 0.85
        tr = {"program_id": program, "enrolled_t": t, "completed_t": None}
        st.trainings.append(tr)
        self.hr_event(t, r, st, "training_enrolled", program_id=program)
        if rng.random() < pc:
            cd = d + dur
            ct = cd * DAY + rng.randint(15 * 3600, 19 * 3600)
            st.pending.append((cd, ct, tr))

    def programs_for(self, skill, role):
        return [p for p, v in PROGRAMS.items() if skill in v["skills"] and role in v["roles"]]

    def simulate_staff(self):
        rng = self.rng
        D = self.D
        for r in self.rests:
            comp = {"host": 1 + (r.size >= 14), "sommelier": 1 + (r.size >= 16), "bartender": 1 + (r.size >= 18),
                    "captain": 1 + (r.size >= 15), "runner": max(1, int(round(r.size * 0.2)))}
            comp["server"] = r.size - sum(comp.values())
            roles = [ro for ro, n in comp.items() for _ in range(n)]
            rng.shuffle(roles)
            initial = []
            for role in roles:
                if rng.random() < 0.07:
                    hire_t = -rng.randint(14, 56) * DAY + rng.randint(8 * 3600, 11 * 3600)
                    kind = "junior" if rng.random() < 0.7 else "experienced"
                else:
                    hire_t = -rng.randint(70, 365 * 6) * DAY + rng.randint(8 * 3600, 11 * 3600)
                    kind = "veteran"
                initial.append((hire_t, role, kind))
            initial.sort()
            for hire_t, role, kind in initial:
                st = self.new_staff(r, role, hire_t, kind)
                st.serve_from = st.hire_day + rng.randint(2, 5)
                self.hr_event(hire_t, r, st, "hired", role=role)
            # scheduled hires: (day, role)
            sched = []
            for _ in range(poisson(rng, 1.2)):
                sched.append((rng.randint(0, max(0, D - 10)), rng.choice(["server", "server", "runner", "bartender"])))
            if r.city == "Cusco":
                sched.append((rng.randint(0, min(20, D - 1)), "runner"))
            promo_day = rng.randint(20, max(20, D - 20)) if rng.random() < 0.45 else None
            capt_day = rng.randint(20, max(20, D - 20)) if rng.random() < 0.2 else None
            r.sched = sched
            for d in range(D):
                # hires of the day
                for day, role in [x for x in r.sched if x[0] == d]:
                    hire_t = d * DAY + rng.randint(8 * 3600, 11 * 3600)
                    kind = "junior" if rng.random() < 0.7 else "experienced"
                    st = self.new_staff(r, role, hire_t, kind)
                    st.serve_from = d + rng.randint(2, 5)
                    self.hr_event(hire_t, r, st, "hired", role=role)
                    if rng.random() < 0.8:
                        if role == "sommelier":
                            prog = rng.choice(["prog-maridaje", "prog-carta-temporada"])
                        else:
                            prog = "prog-induccion"
                        st.induction = (d + rng.randint(1, 7), prog)
                active = [st for st in r.staff if st.active(d)]
                for st in active:
                    self.step_levels(st, d)
                for st in active:
                    role = st.role_on(d)
                    # trainings completing today
                    for item in [p for p in st.pending if p[0] == d]:
                        st.pending.remove(item)
                        _, ct, tr = item
                        eff = PROGRAM_EFFECTS[tr["program_id"]]
                        before = {s: round(st.level[s][d], 4) for s in eff}
                        after = {s: round(min(0.98, st.level[s][d] + e), 4) for s, e in eff.items()}
                        for s, e in eff.items():
                            st.boost[s] += e
                        tr["completed_t"] = ct
                        tr["before"], tr["after"] = before, after
                        efsum = sum(eff.values())
                        score = None
                        if rng.random() < 0.85:
                            score = round(clamp(rng.gauss(78 + 25 * efsum, 9), 35, 100), 0)
                        self.hr_event(ct, r, st, "training_completed", program_id=tr["program_id"],
                                      assessment_score=score)
                    ind = getattr(st, "induction", None)
                    if ind and ind[0] == d:
                        if role in PROGRAMS[ind[1]]["roles"]:
                            self.enrol(st, d, ind[1])
                        st.induction = None
                    # seasonal menu change: whole floor does the online course
                    if r.menu_change == d and role in ("server", "captain", "sommelier", "runner") and rng.random() < 0.9:
                        self.enrol(st, d, "prog-carta-temporada", t=d * DAY + rng.randint(10 * 3600, 11 * 3600))
                    # manager notices lasting weaknesses
                    for s in SKILLS:
                        if st.level[s][d] < WEAK_LEVEL:
                            st.weak_run[s] += 1
                        else:
                            st.weak_run[s] = 0
                        if role in TABLE_ROLES and st.weak_run[s] == st.notice[s] * (1 + st.tries[s]):
                            limit = 0.55 if st.tries[s] == 0 else 0.4
                            if rng.random() < limit and not any(p[2]["program_id"] in self.programs_for(s, role) for p in st.pending):
                                progs = self.programs_for(s, role)
                                if progs:
                                    self.enrol(st, d, rng.choice(progs))
                            st.tries[s] += 1
                    # departures
                    hz = 0.0008
                    if any(st.weak_run[e["skill"]] > 25 for e in st.episodes):
                        hz *= 4
                    if d >= 1 and rng.random() < hz:
                        st.term_day = d
                        st.term_t = d * DAY + rng.randint(9 * 3600, 18 * 3600)
                        kw = {"role": role} if rng.random() < 0.5 else {}
                        self.hr_event(st.term_t, r, st, "terminated", **kw)
                        if rng.random() < 0.85 and d + 7 < D:
                            r.sched.append((d + rng.randint(7, 28), role))
                # promotions
                if promo_day == d:
                    self.promote(r, active, d, "runner", "server", min_tenure=60, min_level=0.52)
                if capt_day == d:
                    self.promote(r, active, d, "server", "captain", min_tenure=200, min_level=0.6)

    def promote(self, r, active, d, from_role, to_role, min_tenure, min_level):
        """Promotes one seasoned, all-round competent staff member of `from_role`, if any."""
        cands = [st for st in active if st.role_on(d) == from_role and st.term_day is None
                 and d - st.hire_day > min_tenure and min(st.level[s][d] for s in SKILLS) > min_level]
        if cands:
            st = self.rng.choice(cands)
            st.roles.append((d, to_role))
            self.hr_event(d * DAY + self.rng.randint(10 * 3600, 12 * 3600), r, st, "role_changed", role=to_role)

    # -----------------------------------------------------------------------------------------
    def build_confounders(self):
        rng = self.rng
        for r in self.rests:
            for d in range(self.D):
                wd = self.weekday(d)
                if not self.is_open(r, d, "dinner"):
                    continue
                hol = self.is_holiday(d) or self.is_holiday(d + 1)
                if hol or (wd in (4, 5) and rng.random() < 0.85):
                    r.busy.add(d)
                    r.confounders.append({"kind": "busy_night", "from": self.iso(d * DAY + 18 * 3600),
                                          "to": self.iso(d * DAY + 27 * 3600)})
            if r.kitchen is not None:
                r.confounders.append({"kind": "kitchen_bad_month", "from": self.iso(r.kitchen * DAY),
                                      "to": self.iso((r.kitchen + 30) * DAY)})
            r.confounders.sort(key=lambda c: c["from"])

    def in_kitchen(self, r, d):
        return r.kitchen is not None and r.kitchen <= d < r.kitchen + 30

    # -----------------------------------------------------------------------------------------
    def simulate_service(self):
        rng = self.rng
        self.visit_no = 0
        for d in range(self.D):
            date = self.date_of(d)
            ymd = date.strftime("%Y%m%d")
            for r in self.rests:
                present = {}
                for st in r.staff:
                    if not st.active(d) or d < st.serve_from:
                        continue
                    role = st.role_on(d)
                    if role not in TABLE_ROLES:
                        continue
                    if st.vacation and st.vacation[0] <= d < st.vacation[1]:
                        continue
                    if self.weekday(d) == st.off_weekday and not self.is_holiday(d):
                        continue
                    if rng.random() < 0.05:
                        continue
                    present[st] = role
                n_in_day = 0
                for shift in ("lunch", "dinner"):
                    if not self.is_open(r, d, shift):
                        continue
                    p_shift = 0.95 if shift == "dinner" else 0.6
                    crew = [(st, ro) for st, ro in present.items() if rng.random() < p_shift]
                    if not crew:
                        continue
                    weights = [TABLE_WEIGHT[ro] for _, ro in crew]
                    ld = self.load(r, d, shift) * math.exp(rng.gauss(0, 0.12))
                    tpw = 8.0 if shift == "dinner" else 5.0
                    n = poisson(rng, sum(weights) * tpw * ld)
                    busy = shift == "dinner" and d in r.busy
                    for _ in range(n):
                        st, role = rng.choices(crew, weights=weights, k=1)[0]
                        n_in_day += 1
                        self.visit(r, d, ymd, shift, st, role, ld, busy, n_in_day)

    def visit(self, r, d, ymd, shift, st, role, ld, busy, k):
        rng = self.rng
        kitchen = self.in_kitchen(r, d)
        L = {s: st.level[s][d] for s in SKILLS}
        rel = RELEVANCE[role]
        # timing
        if shift == "dinner":
            slot = rng.choices(range(8), weights=[8, 12, 18, 20, 18, 12, 8, 4], k=1)[0]
            seated = d * DAY + 19 * 3600 + slot * 1800 + rng.randint(0, 1799)
        else:
            slot = rng.choices(range(5), weights=[15, 30, 30, 18, 7], k=1)[0]
            seated = d * DAY + 12 * 3600 + 1800 + slot * 1800 + rng.randint(0, 1799)
        # party
        if role == "bartender":
            covers = rng.choices([1, 2, 3], weights=[35, 55, 10], k=1)[0]
            table = "B%d" % rng.randint(1, 8)
            tasting = rng.random() < 0.1
        else:
            covers = rng.choices([1, 2, 3, 4, 5, 6, 8, 10], weights=[6, 50, 10, 22, 4, 4, 2.5, 1.5], k=1)[0]
            table = "PR1" if covers >= 8 else "M%02d" % rng.randint(1, r.n_tables)
            tasting = rng.random() < (r.tasting_share if role != "sommelier" else 0.9)
        # items and check
        if tasting:
            pairing = binomial(rng, covers, 0.5 if role != "sommelier" else 0.85)
            drinks = poisson(rng, covers * 0.8)
            items = covers + pairing + drinks + rng.randint(0, 2)
            total = covers * r.menu_price + pairing * rng.choice([260, 320, 380, 420]) + drinks * rng.uniform(28, 58)
            duration = rng.uniform(150, 240)
        else:
            pairing = 0
            dishes = sum(rng.randint(2, 4) for _ in range(covers))
            drinks = poisson(rng, covers * 1.2)
            bottles = rng.choices([0, 1, 2], weights=[45, 45, 10], k=1)[0]
            items = dishes + drinks + bottles
            total = covers * r.carte_price * rng.uniform(0.8, 1.25) + drinks * rng.uniform(28, 58) + bottles * rng.uniform(150, 600)
            duration = rng.uniform(100, 170)
        if shift == "lunch":
            duration *= 0.85
        if kitchen:
            duration *= 1.08
        items = max(1, items)
        # wait (seated -> first course)
        m_t = 0.78 + 1.0 * rel[T] * max(0.0, 0.85 - L[T]) ** 1.5
        wait = r.target * m_t * r.pace * (1.12 if kitchen else 1.0) * (1.08 if busy else 1.0)
        wait *= (1 + 0.2 * (ld - 1)) * (1 + 0.04 * max(0, covers - 4)) * math.exp(rng.gauss(0, 0.22))
        duration_s = duration * 60 * rng.uniform(0.97, 1.03)
        wait = clamp(wait, 120, duration_s * 0.5)
        wait = float(int(round(wait / 60.0)) * 60) if r.minute_waits else int(round(wait))
        close = seated + int(duration_s)
        if close > self.end_t:
            return
        # accuracy
        p_err = 0.004 + 0.13 * rel[OA] * max(0.0, 0.8 - L[OA]) ** 1.5 + (0.003 if kitchen else 0.0)
        incorrect = binomial(rng, items, p_err)
        comped = rng.random() < 0.015
        self.visit_no += 1
        vid = "%s/%s/%s%03d" % (r.rid, ymd, "A" if shift == "lunch" else "C", k)
        ev = {"schema": "pos.table_service.v1", "event_id": "chk-%s-%07d" % (r.rid, self.visit_no),
              "occurred_at": self.iso(close + rng.randint(0, 59), ms=r.ms_timestamps),
              "restaurant_id": r.rid, "staff_id": st.sid, "visit_id": vid, "table_id": table,
              "covers": covers, "seated_at": self.iso(seated, ms=r.ms_timestamps),
              "wait_time_seconds": wait, "items_ordered": items, "items_incorrect": incorrect,
              "check_total_pen": None if comped else round(total, 2)}
        send = close + 60 + rng.uniform(0, 20)
        self.pos.append((send, self.next_seq(), ev))
        self.feedback(r, d, st, role, L, rel, vid, close, covers, wait, incorrect, kitchen, busy, tasting or pairing > 0 or role == "bartender", (total / covers) if not comped else 0)

    def feedback(self, r, d, st, role, L, rel, vid, close, covers, wait, incorrect, kitchen, busy, wine, per_cover):
        rng = self.rng
        wr = wait / r.target
        E = 4.8 + r.score_offset
        E -= min(1.5, 1.3 * max(0.0, wr - 1.0))
        E -= 0.45 * min(3, incorrect)
        E -= 2.5 * rel[GR] * max(0.0, 0.7 - L[GR])
        E -= 1.8 * rel[MK] * max(0.0, 0.7 - L[MK])
        E -= 1.8 * rel[TE] * max(0.0, 0.7 - L[TE])
        if kitchen:
            E -= 0.55
        if busy:
            E -= 0.15
        badness = clamp((4.3 - E) / 2.0, 0.0, 1.0)
        if rng.random() >= min(0.9, r.resp * (1 + 0.6 * badness)):
            return
        n_resp = 1 + binomial(rng, covers - 1, 0.3)
        p_issue = {
            "slow_service": clamp(0.6 * (wr - 0.95), 0.0, 0.55) + 0.01,
            "order_error": min(0.8, 0.4 + 0.15 * (incorrect - 1)) if incorrect > 0 else 0.005,
            "inattentive_or_rude": 0.012 + 2.2 * rel[GR] * max(0.0, 0.7 - L[GR]) ** 2,
            "poor_recommendation": (0.015 + 2.0 * rel[MK] * max(0.0, 0.7 - L[MK]) ** 2) * (1.0 if wine else 0.4),
            "etiquette_lapse": 0.008 + 1.8 * rel[TE] * max(0.0, 0.7 - L[TE]) ** 2,
            "food_quality": 0.35 if kitchen else 0.04,
            "noise_or_ambience": 0.2 if busy else 0.03,
            "price": 0.03 + (0.04 if per_cover > 700 else 0.0),
        }
        repeat_party = rng.random() < r.repeat
        for _ in range(n_resp):
            perceived = [i for i, p in p_issue.items() if rng.random() < p]
            eg = E + rng.gauss(0, 0.55) - 0.35 * len(perceived) + (0.15 if repeat_party else 0.0)
            score = int(clamp(round(eg), 1, 5))
            ticked = [i for i in perceived if rng.random() < 0.62]
            comment = None
            if rng.random() < (0.5 if perceived else 0.18):
                mention = [i for i in perceived if rng.random() < 0.85]
                if perceived and not mention:
                    mention = [rng.choice(perceived)]
                lang = "en" if rng.random() < r.english else "es"
                comment = make_comment(rng, lang, mention, st.name, kitchen)
            x = rng.random()
            if x < 0.35:
                delay = rng.uniform(5, 90) * 60
            elif x < 0.80:
                day_next = (math.floor((close - 5 * 3600) / DAY) + 1) * DAY  # next morning, local
                delay = day_next + rng.uniform(8 * 3600, 23 * 3600) - close
            elif x < 0.95:
                delay = rng.uniform(2, 4) * DAY
            else:
                delay = rng.uniform(5, 10) * DAY
            free = rng.random() < 0.03
            if free:
                delay = max(delay, rng.uniform(1, 6) * DAY)
            t = close + delay
            if t > self.end_t - 30:
                continue
            ev = {"schema": "survey.guest_feedback.v1", "event_id": "fb-%016x" % rng.getrandbits(64),
                  "occurred_at": self.iso(t), "restaurant_id": r.rid, "staff_id": st.sid}
            if free:
                if rng.random() < 0.5:
                    ev["visit_id"] = None
            else:
                ev["visit_id"] = vid
            y = rng.random()
            if y < 0.04:
                ev["customer_satisfaction_score"] = None
            elif y >= 0.08:
                ev["customer_satisfaction_score"] = score
            if ticked:
                rng.shuffle(ticked)
                ev["complaints"] = ticked
            else:
                z = rng.random()
                if z < 0.5:
                    ev["complaints"] = []
                elif z < 0.7:
                    ev["complaints"] = None
            if comment is not None:
                ev["comment"] = comment
            elif rng.random() < 0.4:
                ev["comment"] = None if (rng.random() < 0.97 or NO_EMPTY_COMMENTS) else ""
            z = rng.random()
            if z < 0.1:
                ev["repeat_customer"] = None
            elif z < 0.8:
                ev["repeat_customer"] = repeat_party if rng.random() < 0.9 else (not repeat_party)
            self.svy.append((t + rng.uniform(0.5, 20), self.next_seq(), ev))

    def host_feedback(self):
        rng = self.rng
        for r in self.rests:
            for st in r.staff:
                if st.role != "host":
                    continue
                for _ in range(poisson(rng, 0.8 * self.D / 30)):
                    d = rng.randint(0, self.D - 1)
                    if not st.active(d):
                        continue
                    t = d * DAY + rng.randint(9 * 3600, 22 * 3600)
                    lang = "en" if rng.random() < r.english else "es"
                    ev = {"schema": "survey.guest_feedback.v1", "event_id": "fb-%016x" % rng.getrandbits(64),
                          "occurred_at": self.iso(t), "restaurant_id": r.rid, "staff_id": st.sid,
                          "customer_satisfaction_score": rng.choice([4, 5, 5, 5]),
                          "comment": (("Muy amable el recibimiento, nos ubicaron rápido." if lang == "es" else
                                       "Warm welcome at the door, seated right away.")
                                      if rng.random() < 0.8 else
                                      ("Tuvimos que esperar en la puerta aunque teníamos reserva." if lang == "es" else
                                       "Had to wait at the door despite our booking."))}
                    self.svy.append((t + rng.uniform(0.5, 20), self.next_seq(), ev))

    # -----------------------------------------------------------------------------------------
    def ref_events(self):
        for r in self.rests:
            ev = {"schema": "ref.restaurant.v1", "event_id": "site-%s-v1" % r.rid,
                  "occurred_at": self.iso(-2 * DAY + 10 * 3600), "restaurant_id": r.rid, "name": r.name,
                  "city": r.city, "timezone": "America/Lima", "service_quality_benchmark": r.benchmark,
                  "fine_dining_accreditation": r.accredited, "target_wait_time_seconds": r.target}
            self.ref.append((-2 * DAY + 10 * 3600 + 5, self.next_seq(), ev))

    # -----------------------------------------------------------------------------------------
    def inject_faults(self):
        """Returns {topic: [(send_t, seq, bytes_or_dict, malformed_reason)]} in send order."""
        rng = self.rng
        out = {}
        self.malformed_lines = {}
        for topic, recs, corruptible in (("pos.table-service", self.pos, True),
                                         ("survey.guest-feedback", self.svy, True),
                                         ("hr.staff-events", self.hr, False),
                                         ("ref.restaurants", self.ref, False)):
            lines = []
            for send, seq, ev in recs:
                reason = None
                if topic != "ref.restaurants":
                    x = rng.random()
                    if x < 0.005 and ev["occurred_at"] > self.iso(0):
                        send = self.parse_t(ev["occurred_at"]) + rng.uniform(60, 45 * 60)
                        self.fault["out_of_order"] += 1
                    elif x < 0.0055 and corruptible:
                        send = self.parse_t(ev["occurred_at"]) + rng.uniform(8 * 3600, 48 * 3600)
                        if send > self.end_t:
                            send = self.parse_t(ev["occurred_at"]) + 60
                        else:
                            self.fault["late"] += 1
                if send > self.end_t:
                    continue
                data = json.dumps(ev, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
                if corruptible and rng.random() < 0.0001:
                    reason, data = self.corrupt(topic, ev, data)
                    if reason:
                        self.fault["malformed_by_reason"][reason] = self.fault["malformed_by_reason"].get(reason, 0) + 1
                lines.append((send, seq, data, reason))
                if reason is None and rng.random() < 0.0015:
                    dsend = send + rng.uniform(1, 300)
                    if dsend <= self.end_t:
                        lines.append((dsend, seq + 0.5, data, None))
                        self.fault["duplicates"] += 1
            lines.sort(key=lambda x: (x[0], x[1]))
            out[topic] = lines
        return out

    def corrupt(self, topic, ev, data):
        rng = self.rng
        ev = dict(ev)
        if topic == "pos.table-service":
            reason = rng.choice(["malformed_json", "wrong_type", "out_of_range", "missing_field"])
            if reason == "malformed_json":
                return reason, data[: max(10, len(data) // 2)]
            if reason == "wrong_type":
                ev["covers"] = str(ev["covers"])
            elif reason == "out_of_range":
                ev["wait_time_seconds"] = -abs(ev["wait_time_seconds"])
            else:
                del ev["staff_id"]
            return reason, json.dumps(ev, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        reason = rng.choice(["malformed_json", "wrong_type", "out_of_range", "invalid_utf8"])
        if reason == "malformed_json":
            return reason, data[:-7]
        if reason == "wrong_type":
            ev["customer_satisfaction_score"] = 3.5
        elif reason == "out_of_range":
            ev["customer_satisfaction_score"] = 6
        else:
            ev["comment"] = "¡Qué tal atención! Excelente, volveré." if not ev.get("comment") else ev["comment"] + " ¡Qué pena!"
            s = json.dumps(ev, ensure_ascii=False, separators=(",", ":"))
            return reason, s.encode("latin-1", errors="replace")
        return reason, json.dumps(ev, ensure_ascii=False, separators=(",", ":")).encode("utf-8")

    def parse_t(self, s):
        return (datetime.fromisoformat(s) - self.start).total_seconds()

    # -----------------------------------------------------------------------------------------
    def weak_periods(self, st):
        out = []
        first = max(0, st.hire_day + 1 if st.hire_t > 0 else 0)
        if st.hire_t <= 0 and st.hire_day >= 0:
            first = 0
        last = (st.term_day if st.term_day is not None else self.D - 1)
        last = min(last, self.D - 1)
        for s in SKILLS:
            cur = None
            for d in range(first, last + 1):
                lv = st.level[s].get(d)
                if lv is None:
                    continue
                if lv < WEAK_LEVEL:
                    if cur is None:
                        cur = {"skill": s, "from_d": d, "lowest": lv}
                    cur["lowest"] = min(cur["lowest"], lv)
                elif cur is not None:
                    cur["to_d"] = d
                    out.append(cur)
                    cur = None
            if cur is not None:
                cur["to_d"] = None
                out.append(cur)
        res = []
        for p in out:
            s = p["skill"]
            pf = p["from_d"]
            pt = p["to_d"] if p["to_d"] is not None else 10**9
            cause = None
            for e in st.episodes:
                if e["skill"] == s and e["from"] < pt and pf <= e["to"] + 1:
                    cause = "planted"
            if cause is None:
                cause = "new_hire" if (pf * DAY - st.hire_t) <= 60 * DAY else "drift"
            item = {"skill": s, "from": self.iso(pf * DAY), "cause": cause,
                    "lowest_level": round(p["lowest"], 4)}
            if p["to_d"] is not None:
                item["to"] = self.iso(p["to_d"] * DAY)
            elif st.term_day is not None and st.term_day <= self.D - 1:
                item["to"] = self.iso(st.term_t)
            item["_days"] = ((p["to_d"] if p["to_d"] is not None else (st.term_day if st.term_day is not None else self.D)) - pf)
            res.append(item)
        res.sort(key=lambda x: (x["from"], x["skill"]))
        return res

    def ground_truth(self, counts):
        staff = []
        self.weak_stats = {"pairs": 0, "weak14": 0, "by_cause": {}, "staff_weak": 0, "table_pairs": 0}
        for st in self.staff_all:
            periods = self.weak_periods(st)
            wk = set()
            for p in periods:
                if p["_days"] >= 14:
                    wk.add(p["skill"])
                    self.weak_stats["by_cause"][p["cause"]] = self.weak_stats["by_cause"].get(p["cause"], 0) + 1
                del p["_days"]
            self.weak_stats["pairs"] += 5
            self.weak_stats["weak14"] += len(wk)
            self.weak_stats["staff_weak"] += 1 if wk else 0
            trainings = []
            for tr in st.trainings:
                item = {"program_id": tr["program_id"], "enrolled_at": self.iso(tr["enrolled_t"]), "recommended": False}
                if tr["completed_t"] is not None:
                    item["completed_at"] = self.iso(tr["completed_t"])
                    item["levels_before"] = tr["before"]
                    item["levels_after"] = tr["after"]
                trainings.append(item)
            rec = {"staff_id": st.sid, "restaurant_id": st.rest.rid, "role": st.role, "hired_at": self.iso(st.hire_t),
                   "weak_skills": periods, "trainings": trainings}
            if st.term_t is not None:
                rec["terminated_at"] = self.iso(st.term_t)
            staff.append(rec)
        rests = [{"restaurant_id": r.rid, "name": r.name, "city": r.city, "service_quality_benchmark": r.benchmark,
                  "fine_dining_accreditation": r.accredited, "target_wait_time_seconds": r.target,
                  "confounders": r.confounders} for r in self.rests]
        return {"format": "skillstream.simulation.ground_truth.v1", "seed": self.seed, "start": self.iso(0),
                "end": self.iso(self.end_t), "weak_level": WEAK_LEVEL, "restaurants": rests, "staff": staff,
                "programs": [{"program_id": p, "effects": e} for p, e in PROGRAM_EFFECTS.items()],
                "faults": self.fault, "records_per_topic": counts}

    def run(self):
        self.build_restaurants()
        self.simulate_staff()
        self.build_confounders()
        self.simulate_service()
        self.host_feedback()
        self.ref_events()
        self.hr.sort(key=lambda x: (x[0], x[1]))
        self.pos.sort(key=lambda x: (x[0], x[1]))
        self.svy.sort(key=lambda x: (x[0], x[1]))
        return self.inject_faults()


# ---------------------------------------------------------------------------------------------

def repo_root():
    return os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def load_programs():
    path = os.path.join(repo_root(), "Schemas", "catalog", "training-programs.jsonl")
    progs = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                p = json.loads(line)
                progs[p["program_id"]] = p
    return progs


PROGRAMS = {}
NO_EMPTY_COMMENTS = False

FILES = {"pos.table-service": "pos.table-service.jsonl", "survey.guest-feedback": "survey.guest-feedback.jsonl",
         "hr.staff-events": "hr.staff-events.jsonl", "ref.restaurants": "ref.restaurants.jsonl"}
SCHEMA_FILES = {"pos.table_service.v1": "pos.table_service.v1.schema.json",
                "survey.guest_feedback.v1": "survey.guest_feedback.v1.schema.json",
                "hr.staff_event.v1": "hr.staff_event.v1.schema.json",
                "ref.restaurant.v1": "ref.restaurant.v1.schema.json"}


def check(out_dir, gt):
    import re
    try:
        import jsonschema
    except ImportError:
        print("check: jsonschema not installed", file=sys.stderr)
        return False
    fc = jsonschema.FormatChecker()
    rfc = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")

    @fc.checks("date-time", raises=ValueError)
    def _dt(value):
        if not isinstance(value, str):
            return True
        if not rfc.match(value):
            raise ValueError("not RFC 3339")
        datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
        return True

    sdir = os.path.join(repo_root(), "Schemas")
    validators = {}
    for name, fn in SCHEMA_FILES.items():
        with open(os.path.join(sdir, "events", fn), encoding="utf-8") as f:
            validators[name] = jsonschema.Draft202012Validator(json.load(f), format_checker=fc)
    with open(os.path.join(sdir, "simulation", "ground-truth.schema.json"), encoding="utf-8") as f:
        gtv = jsonschema.Draft202012Validator(json.load(f), format_checker=fc)
    ok = True
    end = datetime.fromisoformat(gt["end"])
    today = datetime(2026, 12, 6, tzinfo=PE)
    expected_bad = sum(gt["faults"]["malformed_by_reason"].values())
    bad_total = 0
    ids = {}
    visits = set()
    fb_visits = []
    employment = {}
    for st in gt["staff"]:
        employment[st["staff_id"]] = (datetime.fromisoformat(st["hired_at"]),
                                      datetime.fromisoformat(st["terminated_at"]) if "terminated_at" in st else None,
                                      st["role"])
    for topic, fn in FILES.items():
        n = bad = 0
        with open(os.path.join(out_dir, fn), "rb") as f:
            for lineno, raw in enumerate(f, 1):
                n += 1
                raw = raw.rstrip(b"\n")
                try:
                    ev = json.loads(raw.decode("utf-8"))
                except (UnicodeDecodeError, json.JSONDecodeError):
                    bad += 1
                    continue
                v = validators.get(ev.get("schema")) if isinstance(ev, dict) else None
                if v is None:
                    bad += 1
                    continue
                errs = list(v.iter_errors(ev))
                if errs:
                    bad += 1
                    continue
                if datetime.fromisoformat(ev["occurred_at"]) > min(end, today):
                    print("check: %s:%d occurred_at after the end" % (fn, lineno))
                    ok = False
                if ev["schema"] == "pos.table_service.v1":
                    if ev["items_incorrect"] > ev["items_ordered"] or \
                            datetime.fromisoformat(ev["seated_at"]) > datetime.fromisoformat(ev["occurred_at"]):
                        print("check: %s:%d inconsistent" % (fn, lineno))
                        ok = False
                    visits.add(ev["visit_id"])
                if ev["schema"] == "pos.table_service.v1":
                    emp = employment.get(ev["staff_id"])
                    t = datetime.fromisoformat(ev["seated_at"])
                    if emp is None or t < emp[0] or (emp[1] is not None and t > emp[1]) or emp[2] == "host":
                        print("check: %s:%d staff not employed / a host" % (fn, lineno))
                        ok = False
                if ev["schema"] == "survey.guest_feedback.v1" and ev.get("visit_id"):
                    fb_visits.append(ev["visit_id"])
                ids[ev["event_id"]] = ids.get(ev["event_id"], 0) + 1
        bad_total += bad
        if n != gt["records_per_topic"].get(topic):
            print("check: %s has %d lines, ground truth says %s" % (fn, n, gt["records_per_topic"].get(topic)))
            ok = False
        print("check: %-24s %7d lines, %d invalid (injected malformed)" % (topic, n, bad))
    if bad_total != expected_bad:
        print("check: %d invalid lines but %d malformed injected" % (bad_total, expected_bad))
        ok = False
    dups = sum(c - 1 for c in ids.values() if c > 1)
    if dups != gt["faults"]["duplicates"]:
        print("check: %d duplicate event ids, ground truth says %d" % (dups, gt["faults"]["duplicates"]))
        ok = False
    orphan = sum(1 for v in fb_visits if v not in visits)
    print("check: feedback referring to an unsent visit: %d of %d (visits lost to malformed POS)" % (orphan, len(fb_visits)))
    errs = list(gtv.iter_errors(gt))
    for e in errs[:5]:
        print("check: ground truth:", e.message, list(e.absolute_path))
    ok = ok and not errs
    print("check: ground-truth.json %s" % ("valid" if not errs else "INVALID"))
    print("check: %s" % ("OK" if ok else "FAILED"))
    return ok


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--restaurants", type=int, default=10)
    ap.add_argument("--days", type=int, default=90)
    ap.add_argument("--min-staff", type=int, default=8)
    ap.add_argument("--max-staff", type=int, default=22)
    ap.add_argument("--start", default="2026-06-01")
    ap.add_argument("--check", action="store_true")
    ap.add_argument("--no-empty-comments", action="store_true",
                    help="never send comment \"\" (schema-valid, but see the report)")
    a = ap.parse_args()
    global NO_EMPTY_COMMENTS
    NO_EMPTY_COMMENTS = a.no_empty_comments
    if a.seed < 0 or a.restaurants < 1 or a.days < 14 or a.min_staff < 6 or a.max_staff < a.min_staff:
        ap.error("need seed >= 0, restaurants >= 1, days >= 14, 6 <= min-staff <= max-staff")
    PROGRAMS.update(load_programs())
    for p in PROGRAM_EFFECTS:
        assert p in PROGRAMS, p
    w = World(a.seed, a.restaurants, a.days, a.min_staff, a.max_staff, datetime.strptime(a.start, "%Y-%m-%d"))
    out = w.run()
    os.makedirs(a.out, exist_ok=True)
    counts = {}
    for topic, lines in out.items():
        with open(os.path.join(a.out, FILES[topic]), "wb") as f:
            for _, _, data, _ in lines:
                f.write(data + b"\n")
        counts[topic] = len(lines)
    gt = w.ground_truth(counts)
    with open(os.path.join(a.out, "ground-truth.json"), "w", encoding="utf-8") as f:
        json.dump(gt, f, ensure_ascii=False, indent=1)
        f.write("\n")
    ws = w.weak_stats
    print("second_world: seed %d, %s .. %s, %d restaurants (staff %s), %d staff in all" % (
        a.seed, gt["start"], gt["end"], len(w.rests), ",".join(str(r.size) for r in w.rests), len(w.staff_all)))
    print("second_world: records %s (total %d)" % (json.dumps(counts), sum(counts.values())))
    print("second_world: weak >=14d: %d of %d (staff, skill) pairs = %.1f %%, %d staff; periods by cause %s" % (
        ws["weak14"], ws["pairs"], 100.0 * ws["weak14"] / max(1, ws["pairs"]), ws["staff_weak"], json.dumps(ws["by_cause"])))
    print("second_world: kitchen months %s" % ", ".join("%s@day%d" % (r.rid, r.kitchen) for r in w.rests if r.kitchen is not None))
    print("second_world: faults %s" % json.dumps(gt["faults"]))
    if a.check:
        if not check(a.out, gt):
            sys.exit(1)


if __name__ == "__main__":
    main()
