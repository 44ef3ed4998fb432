from __future__ import annotations

import pytest

from siteplan.csv_format import PlanError, parse_plan_csv, plan_to_csv, process_passes

HEADER = "pile,x_m,y_m,design_length_m,diameter_m,design_cement_kg_m,wc,density_kg_l,blades,process"


def test_valid_plan_parses_every_field() -> None:
    piles = parse_plan_csv(f"{HEADER}\nK12+340-A-0015,10.5,-3.25,12,0.5,55,0.6,1.73,4,4s2p\n")
    assert len(piles) == 1
    pile = piles[0]
    assert pile.pile == "K12+340-A-0015"
    assert (pile.x_m, pile.y_m, pile.design_length_m) == (10.5, -3.25, 12.0)
    assert (pile.design_cement_kg_m, pile.wc, pile.density_kg_l) == (55.0, 0.6, 1.73)
    assert pile.blades == 4 and pile.process == "4S2P"
    assert (pile.mixing_passes, pile.spraying_passes) == (4, 2)


def test_round_trip_through_csv() -> None:
    text = f"{HEADER}\n桩-1,1,2,10,0.6,60,0.55,1.8,6,3S2P\nP 2,3,4,8,0.5,55,0.6,1.7,4,4S2P\n"
    piles = parse_plan_csv(text)
    assert parse_plan_csv(plan_to_csv(piles)) == piles


def test_every_error_names_row_field_and_value() -> None:
    text = (
        f"{HEADER}\n"
        "A,1,2,10,0.5,55,0.6,1.7,4,4S2P\n"
        "B,x,2,10,0.5,55,0.6,1.7,4,4S2P\n"
        "C,1,2,200,0.5,55,0.6,1.7,4,4S2P\n"
        "A,1,2,10,0.5,55,0.6,1.7,4,4S2P\n"
        "D,1,2,10,0.5,55,0.6,1.7,four,4S2P\n"
        "E,1,2,10,0.5,55,0.6,1.7,4,mix twice\n"
        "F,1,2\n"
    )
    with pytest.raises(PlanError) as caught:
        parse_plan_csv(text)
    found = {(e.row, e.field, e.value) for e in caught.value.errors}
    assert found == {
        (3, "x_m", "x"),
        (4, "design_length_m", "200"),
        (5, "pile", "A"),
        (6, "blades", "four"),
        (7, "process", "mix twice"),
        (8, "row", "F,1,2"),
    }
    messages = [str(e) for e in caught.value.errors]
    assert "row 5, field 'pile' = 'A': duplicate of row 2" in messages
    assert "row 4, field 'design_length_m' = '200': must be between 0.5 and 100" in messages


def test_missing_columns_and_empty_file() -> None:
    with pytest.raises(PlanError, match="missing column"):
        parse_plan_csv("pile,x_m\nA,1\n")
    with pytest.raises(PlanError, match="the file is empty"):
        parse_plan_csv("")


def test_process_codes() -> None:
    assert process_passes("4S2P") == (4, 2)
    assert process_passes("3S2P") == (3, 2)
    with pytest.raises(ValueError, match="'2P3S'"):
        process_passes("2P3S")
