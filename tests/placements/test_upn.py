import pytest

from placements.upn import check_letter, is_valid_upn, make_upn, upn_problem


def test_known_upn_from_the_dfe_pattern():
    # 8*2 + 1*4 + 2*5 + 5*10 + 1*13 = 93; 93 mod 23 = 1, the second letter of the table.
    assert check_letter("801200005001") == "B"
    assert is_valid_upn("B801200005001")


def test_spaces_and_lower_case_are_forgiven():
    assert is_valid_upn(" b801 2000 05001 ")


def test_wrong_check_letter_is_refused_with_a_reason():
    assert "check letter" in upn_problem("C801200005001")


@pytest.mark.parametrize("value", ["", "B80120000500", "B8012000050011", "B8012000050X1", "1801200005001"])
def test_wrong_shape(value):
    assert upn_problem(value)


def test_temporary_upn_ending_in_a_letter():
    upn = make_upn("80120000500A")
    assert is_valid_upn(upn)
    # A as the final letter is worth 0, so it scores the same as a final 0.
    assert upn[0] == check_letter("801200005000")


def test_letters_i_o_s_never_appear():
    assert upn_problem("I801200005001")
    assert upn_problem(make_upn("801200005001")[:-1] + "S")


def test_remainder_22_gives_z_and_0_gives_a():
    assert check_letter("000000000000") == "A"
    # 11*... pick digits so the sum is 22: 2*2 + 3*6 = 22.
    assert check_letter("200030000000") == "Z"
