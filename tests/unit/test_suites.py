"""Known-answer tests of the 国密 primitives against published vectors, and both suites' sealing."""

import os

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from services.common.suites import AES_SUITE, SM_SUITE, sm3, sm4_gcm_open, sm4_gcm_seal, suite


def test_sm3_of_the_gbt_32905_examples() -> None:
    # GB/T 32905-2016 Appendix A: A.1 "abc", A.2 "abcd" repeated 16 times (512 bits).
    assert sm3(b"abc").hex() == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    assert sm3(b"abcd" * 16).hex() == "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"


def test_the_sm4_block_cipher_of_the_gbt_32907_example() -> None:
    # GB/T 32907-2016 Appendix A, example 1: key and plaintext 0123456789abcdeffedcba9876543210.
    key = bytes.fromhex("0123456789abcdeffedcba9876543210")
    encryptor = Cipher(algorithms.SM4(key), modes.ECB()).encryptor()
    assert (encryptor.update(key) + encryptor.finalize()).hex() == "681edf34d206965e86b3e94f536e4246"


RFC8998_KEY = bytes.fromhex("0123456789ABCDEFFEDCBA9876543210")
RFC8998_IV = bytes.fromhex("00001234567800000000ABCD")
RFC8998_AAD = bytes.fromhex("FEEDFACEDEADBEEFFEEDFACEDEADBEEFABADDAD2")
RFC8998_PLAIN = bytes.fromhex(
    "AAAAAAAAAAAAAAAABBBBBBBBBBBBBBBBCCCCCCCCCCCCCCCCDDDDDDDDDDDDDDDD"
    "EEEEEEEEEEEEEEEEFFFFFFFFFFFFFFFFEEEEEEEEEEEEEEEEAAAAAAAAAAAAAAAA")
RFC8998_SEALED = bytes.fromhex(
    "17F399F08C67D5EE19D0DC9969C4BB7D5FD46FD3756489069157B282BB200735"
    "D82710CA5C22F0CCFA7CBF93D496AC15A56834CBCF98C397B4024A2691233B8D"
    "83DE3541E4C2B58177E065A9BF7B62EC")  # ciphertext, then the tag


def test_sm4_gcm_of_the_rfc_8998_example() -> None:
    # RFC 8998 Appendix A.1, SM4-GCM test vector.
    assert sm4_gcm_seal(RFC8998_KEY, RFC8998_IV, RFC8998_PLAIN, RFC8998_AAD) == RFC8998_SEALED
    assert sm4_gcm_open(RFC8998_KEY, RFC8998_IV, RFC8998_SEALED, RFC8998_AAD) == RFC8998_PLAIN


def test_sm4_gcm_refuses_an_altered_tag_or_other_associated_data() -> None:
    altered = RFC8998_SEALED[:-1] + bytes([RFC8998_SEALED[-1] ^ 1])
    with pytest.raises(ValueError):
        sm4_gcm_open(RFC8998_KEY, RFC8998_IV, altered, RFC8998_AAD)
    with pytest.raises(ValueError):
        sm4_gcm_open(RFC8998_KEY, RFC8998_IV, RFC8998_SEALED, b"other")


@pytest.mark.parametrize("chosen", [AES_SUITE, SM_SUITE], ids=lambda s: s.name)
def test_each_suite_seals_and_opens_with_any_held_key(chosen) -> None:  # type: ignore[no-untyped-def]
    old, new = os.urandom(32), os.urandom(32)
    blob = chosen.seal(old, "王小明".encode(), b"report:1")
    assert "王小明".encode() not in blob
    assert chosen.open([new, old], blob, b"report:1") == "王小明".encode()
    with pytest.raises(ValueError):
        chosen.open([new, old], blob, b"report:2")
    with pytest.raises(ValueError):
        chosen.open([new], blob, b"report:1")


def test_the_suites_differ_and_an_unknown_name_is_refused() -> None:
    key = os.urandom(32)
    assert AES_SUITE.mac(key, b"x") != SM_SUITE.mac(key, b"x")
    assert AES_SUITE.key_id(key) != SM_SUITE.key_id(key)
    with pytest.raises(ValueError):  # an SM4 blob is not an AES one, even under the same key
        AES_SUITE.open([key], SM_SUITE.seal(key, b"x", b""), b"")
    with pytest.raises(ValueError, match="HOTLINE_CRYPTO_SUITE"):
        suite("des")


def test_aes_gcm_blobs_are_the_bytes_pycryptodome_seals_and_opens() -> None:
    """The AES suite moved to PyCA (#31): what pycryptodome sealed before still opens, and back."""
    from Crypto.Cipher import AES

    key, nonce = os.urandom(32), os.urandom(12)
    cipher = AES.new(key, AES.MODE_GCM, nonce=nonce)
    cipher.update(b"aad")
    ciphertext, tag = cipher.encrypt_and_digest("王小明".encode())
    old = AES_SUITE.key_id(key) + nonce + ciphertext + tag
    assert AES_SUITE.open([key], old, b"aad") == "王小明".encode()
    new = AES_SUITE.seal(key, b"x", b"aad")
    back = AES.new(key, AES.MODE_GCM, nonce=new[4:16])
    back.update(b"aad")
    assert back.decrypt_and_verify(new[16:-16], new[-16:]) == b"x"
