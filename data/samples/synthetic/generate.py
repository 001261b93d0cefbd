#!/usr/bin/env python3
"""Writes data/samples/synthetic/synthetic-news.json: the demo's corpus, generated, not collected.

Short news-style sentences built from a few fixed templates over small name lists, with CoNLL04's entity
types (Peop, Loc, Org, Other) and relation types (Live_In, Work_For, OrgBased_In, Located_In, Kill). The
entities are regular (the same names recur) and each relation is signalled by its template's words, so the
demo's small model learns both tasks within its few epochs, which the 61 hand-written sentences of
json/corpus.json are too few for. Some templates pair entities without a relation ("visited", "met"), so
the relation scorer must read the context, not only the entity types.

Deterministic: a fixed-seed linear congruential generator (not Python's `random`, whose algorithms may
change), so the same script always writes the same bytes. `--check` compares instead of writing (CI runs it:
scripts/test.sh).

    python3 data/samples/synthetic/generate.py [--check]
"""
import json
import os
import sys

SENTENCES = 300
SEED = 20261207

FIRST = ["Anna", "Boris", "Carla", "David", "Elena", "Frank", "Greta", "Hugo", "Irene", "Jonas", "Karin",
         "Louis", "Marta", "Nils", "Olga", "Pavel", "Rosa", "Simon", "Tessa", "Victor", "Alma", "Bruno", "Clara",
         "Dmitri", "Eva", "Felix", "Hanna", "Igor", "Lena", "Marco"]
LAST = ["Berg", "Costa", "Dahl", "Evans", "Fischer", "Garcia", "Hansen", "Ivanov", "Jensen", "Keller",
        "Lopez", "Moreau", "Novak", "Olsen", "Petrov", "Quinn", "Rossi", "Schmidt", "Toth", "Weber", "Aalto",
        "Bauer", "Cerny", "Duarte", "Eriksen", "Fontaine", "Gallo", "Horvat", "Kowalski", "Lindqvist"]
CITIES = ["Oslo", "Lyon", "Porto", "Graz", "Turin", "Leeds", "Bergen", "Malmo", "Gdansk", "Seville", "Utrecht",
          "Bruges", "Tampere", "Brno", "Cork", "Split"]
# Each city's country, so that Located_In is a fact the corpus never contradicts.
COUNTRY_OF = {"Oslo": "Norway", "Lyon": "France", "Porto": "Portugal", "Graz": "Austria", "Turin": "Italy",
              "Leeds": "England", "Bergen": "Norway", "Malmo": "Sweden", "Gdansk": "Poland", "Seville": "Spain",
              "Utrecht": "Netherlands", "Bruges": "Belgium", "Tampere": "Finland", "Brno": "Czechia",
              "Cork": "Ireland", "Split": "Croatia"}
ORGS = [["Acme", "Corp"], ["Nordic", "Bank"], ["Delta", "Airlines"], ["Orion", "Labs"], ["Vista", "Media"],
        ["Atlas", "Group"], ["Polar", "Energy"], ["Summit", "Press"], ["Harbor", "Trust"], ["Zenith", "Motors"]]
OTHER = [["Nobel", "Prize"], ["Golden", "Medal"], ["Turner", "Award"], ["Grand", "Cup"], ["Silver", "Trophy"]]


class Lcg:
    """Knuth's MMIX 64-bit LCG; the high bits pick."""

    def __init__(self, seed):
        self.state = seed & 0xFFFFFFFFFFFFFFFF

    def below(self, n):
        self.state = (self.state * 6364136223846793005 + 1442695040888963407) & 0xFFFFFFFFFFFFFFFF
        return (self.state >> 33) % n

    def pick(self, items):
        return items[self.below(len(items))]


class Sentence:
    def __init__(self):
        self.tokens, self.entities, self.relations = [], [], []

    def words(self, text):
        self.tokens += text.split()

    def entity(self, kind, tokens):
        self.entities.append({"type": kind, "start": len(self.tokens), "end": len(self.tokens) + len(tokens)})
        self.tokens += tokens
        return len(self.entities) - 1

    def relation(self, kind, head, tail):
        self.relations.append({"type": kind, "head": head, "tail": tail})

    def json(self):
        return {"tokens": self.tokens, "entities": self.entities, "relations": self.relations}


def person(rng, avoid=None):
    while True:
        name = [rng.pick(FIRST), rng.pick(LAST)]
        if name != avoid:
            return name


def build(rng, template):
    s = Sentence()
    if template == 0:  # Live_In
        p = s.entity("Peop", person(rng))
        s.words(rng.pick(["lives in", "has lived in", "resides in"]))
        s.relation("Live_In", p, s.entity("Loc", [rng.pick(CITIES)]))
        s.words(".")
    elif template == 1:  # Work_For
        p = s.entity("Peop", person(rng))
        s.words(rng.pick(["works for", "is a manager at", "joined"]))
        s.relation("Work_For", p, s.entity("Org", rng.pick(ORGS)))
        s.words(".")
    elif template == 2:  # OrgBased_In
        o = s.entity("Org", rng.pick(ORGS))
        s.words(rng.pick(["is based in", "has its headquarters in"]))
        s.relation("OrgBased_In", o, s.entity("Loc", [rng.pick(CITIES)]))
        s.words(".")
    elif template == 3:  # Work_For and Live_In in one sentence
        p = s.entity("Peop", person(rng))
        s.words(", who works for")
        o = s.entity("Org", rng.pick(ORGS))
        s.words(", lives in")
        loc = s.entity("Loc", [rng.pick(CITIES)])
        s.words(".")
        s.relation("Work_For", p, o)
        s.relation("Live_In", p, loc)
    elif template == 4:  # Kill
        p = s.entity("Peop", person(rng))
        victim = person(rng, avoid=s.tokens[0:2])
        s.words(rng.pick(["killed", "shot", "murdered"]))
        s.relation("Kill", p, s.entity("Peop", victim))
        s.words(rng.pick([".", "last week .", "in a fight ."]))
    elif template == 5:  # Located_In
        city = rng.pick(CITIES)
        c = s.entity("Loc", [city])
        s.words(rng.pick(["is a city in", "lies in"]))
        s.relation("Located_In", c, s.entity("Loc", [COUNTRY_OF[city]]))
        s.words(".")
    elif template == 6:  # Work_For written tail first
        o = s.entity("Org", rng.pick(ORGS))
        s.words(rng.pick(["hired", "promoted"]))
        p = s.entity("Peop", person(rng))
        s.words(".")
        s.relation("Work_For", p, o)
    elif template == 7:  # a person and a place, no relation
        s.entity("Peop", person(rng))
        s.words(rng.pick(["visited", "flew to", "left"]))
        s.entity("Loc", [rng.pick(CITIES)])
        s.words("on Monday .")
    elif template == 8:  # two people and a place, no relation
        first = person(rng)
        s.entity("Peop", first)
        s.words("met")
        s.entity("Peop", person(rng, avoid=first))
        s.words("in")
        s.entity("Loc", [rng.pick(CITIES)])
        s.words(".")
    elif template == 9:  # a person and an Other, no relation
        s.entity("Peop", person(rng))
        s.words(rng.pick(["received the", "was given the"]))
        s.entity("Other", rng.pick(OTHER))
        s.words(".")
    elif template == 10:  # Work_For, but the place is only visited: no Live_In
        p = s.entity("Peop", person(rng))
        s.words(", who works for")
        o = s.entity("Org", rng.pick(ORGS))
        s.words(", visited")
        s.entity("Loc", [rng.pick(CITIES)])
        s.words(".")
        s.relation("Work_For", p, o)
    elif template == 11:  # Live_In of the second person, not the first
        first = person(rng)
        s.entity("Peop", first)
        s.words("met")
        p = s.entity("Peop", person(rng, avoid=first))
        s.words(", who lives in")
        s.relation("Live_In", p, s.entity("Loc", [rng.pick(CITIES)]))
        s.words(".")
    elif template == 12:  # OrgBased_In and Work_For written tail first
        o = s.entity("Org", rng.pick(ORGS))
        s.words(", based in")
        s.relation("OrgBased_In", o, s.entity("Loc", [rng.pick(CITIES)]))
        s.words(", hired")
        s.relation("Work_For", s.entity("Peop", person(rng)), o)
        s.words(".")
    else:  # Other, with Work_For
        p = s.entity("Peop", person(rng))
        s.words("of")
        o = s.entity("Org", rng.pick(ORGS))
        s.words("won the")
        s.entity("Other", rng.pick(OTHER))
        s.words(".")
        s.relation("Work_For", p, o)
    return s.json()


def generate():
    rng = Lcg(SEED)
    lines = [json.dumps(build(rng, rng.below(14))) for _ in range(SENTENCES)]
    return "[\n" + ",\n".join(lines) + "\n]\n"


def main():
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "synthetic-news.json")
    text = generate()
    if sys.argv[1:] == ["--check"]:
        with open(path, encoding="utf-8") as f:
            if f.read() != text:
                sys.exit(f"{path} is not what {sys.argv[0]} generates: run it again and commit the result")
        return
    if sys.argv[1:]:
        sys.exit(f"usage: {sys.argv[0]} [--check]")
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


if __name__ == "__main__":
    main()
