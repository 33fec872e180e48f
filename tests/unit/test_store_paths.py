"""graph.store.paths: hierarchy paths with a fixed end become VALUES of the hierarchy's nodes."""

from graph.store.paths import closure, expand_paths

P = "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> PREFIX x: <urn:x:> "
LINKS = {
    "http://www.w3.org/2000/01/rdf-schema#subClassOf": [("urn:x:B", "urn:x:A"), ("urn:x:C", "urn:x:B"), ("urn:x:C", "urn:x:A")],
    "http://www.w3.org/2000/01/rdf-schema#subPropertyOf": [("urn:x:q", "urn:x:p")],
}


def expand(body: str) -> str:
    return expand_paths(P + body, LINKS.__getitem__)[len(P):]


def test_closure_follows_links_both_ways_and_lists_each_node_once() -> None:
    links = LINKS["http://www.w3.org/2000/01/rdf-schema#subClassOf"]
    assert closure(links, "urn:x:A", upwards=False) == ["urn:x:A", "urn:x:B", "urn:x:C"]  # C reaches A twice
    assert closure(links, "urn:x:C", upwards=True) == ["urn:x:A", "urn:x:B", "urn:x:C"]
    assert closure(links, "urn:x:Z", upwards=True) == ["urn:x:Z"]  # zero steps: the end itself


def test_a_fixed_end_becomes_values() -> None:
    assert expand("SELECT * { ?t rdfs:subClassOf* x:A . ?e a ?t }") == \
        "SELECT * { VALUES ?t { <urn:x:A> <urn:x:B> <urn:x:C> } . ?e a ?t }"
    assert expand("ASK { <urn:x:B> rdfs:subClassOf* ?up }") == "ASK { VALUES ?up { <urn:x:A> <urn:x:B> } }"
    assert expand("SELECT * { OPTIONAL { ?s ?r ?o . ?r rdfs:subPropertyOf* x:p . } }") == \
        "SELECT * { OPTIONAL { ?s ?r ?o . VALUES ?r { <urn:x:p> <urn:x:q> } . } }"


def test_what_is_not_a_plain_path_with_one_fixed_end_is_left_alone() -> None:
    for body in (
        "SELECT * { ?a rdfs:subClassOf* ?b }",  # zero-length pairs over every node: left to the server
        "SELECT * { ?a rdfs:subClassOf* x:A ; rdfs:label ?l }",  # the subject goes on
        "SELECT * { ?a rdfs:subClassOf* x:A , x:B }",
        'SELECT * { ?s ?p "?a rdfs:subClassOf* x:A ." }',  # in a string
        "SELECT * { ?s ?p ?o } # ?a rdfs:subClassOf* x:A .\n",  # in a comment
        "SELECT * { ?a rdfs:subClassOf* undeclared:A }",
        "SELECT * { ?a rdfs:subClassOf+ x:A }",
    ):
        assert expand(body) == body, body
