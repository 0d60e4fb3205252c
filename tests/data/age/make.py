#!/usr/bin/env python3
"""Writes the age files of this directory, byte for byte the same on every
run (fixed keys, salt and nonces): an scrypt stanza with an X25519 stanza in
both orders, each with a valid header MAC and payload, and the two stanzas
alone. Needs PyNaCl (python3-nacl). Run from anywhere:
    python3 tests/data/age/make.py
"""
import base64
import hashlib
import hmac
import os

from nacl.bindings import (crypto_aead_chacha20poly1305_ietf_encrypt,
                           crypto_scalarmult, crypto_scalarmult_base)

HERE = os.path.dirname(os.path.abspath(__file__))
PASSPHRASE = b"scrypt-alone"
LOG_N = 10
PLAINTEXT = b"an scrypt stanza must be the only stanza\n"


def fixed(label, n=32):
    return hashlib.sha256(b"secretctl tests/data/age " + label).digest()[:n]


def b64(b):
    return base64.b64encode(b).decode().rstrip("=")


def hkdf(ikm, salt, info, n=32):
    prk = hmac.new(salt or b"\0" * 32, ikm, hashlib.sha256).digest()
    return hmac.new(prk, info + b"\x01", hashlib.sha256).digest()[:n]


def seal(key, data, nonce=b"\0" * 12):
    return crypto_aead_chacha20poly1305_ietf_encrypt(data, None, nonce, key)


def bech32(hrp, data):
    gen = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3]
    acc, bits, d5 = 0, 0, []
    for b in data:
        acc, bits = (acc << 8) | b, bits + 8
        while bits >= 5:
            bits -= 5
            d5.append((acc >> bits) & 31)
    if bits:
        d5.append((acc << (5 - bits)) & 31)
    hrp = hrp.lower()
    chk = 1
    for v in [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp] + d5 + [0] * 6:
        top, chk = chk >> 25, (chk & 0x1ffffff) << 5 ^ v
        for i in range(5):
            chk ^= gen[i] if (top >> i) & 1 else 0
    chk ^= 1
    cs = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
    return hrp + "1" + "".join(cs[v] for v in d5 + [(chk >> 5 * (5 - i)) & 31 for i in range(6)])


FILE_KEY = fixed(b"file key", 16)
ID_SECRET = fixed(b"identity")
ID_PUBLIC = crypto_scalarmult_base(ID_SECRET)


def x25519_stanza():
    eph = fixed(b"ephemeral")
    share = crypto_scalarmult_base(eph)
    shared = crypto_scalarmult(eph, ID_PUBLIC)
    key = hkdf(shared, share + ID_PUBLIC, b"age-encryption.org/v1/X25519")
    return "-> X25519 %s\n%s\n" % (b64(share), b64(seal(key, FILE_KEY)))


def scrypt_stanza():
    salt = fixed(b"scrypt salt", 16)
    key = hashlib.scrypt(PASSPHRASE, salt=b"age-encryption.org/v1/scrypt" + salt,
                         n=1 << LOG_N, r=8, p=1, maxmem=64 << 20, dklen=32)
    return "-> scrypt %s %d\n%s\n" % (b64(salt), LOG_N, b64(seal(key, FILE_KEY)))


def age_file(stanzas):
    hdr = ("age-encryption.org/v1\n" + "".join(stanzas) + "---").encode()
    mac = hmac.new(hkdf(FILE_KEY, b"", b"header"), hdr, hashlib.sha256).digest()
    nonce = fixed(b"payload nonce", 16)
    pkey = hkdf(FILE_KEY, nonce, b"payload")
    # one chunk (the last): counter 0, last flag 1
    return hdr + b" " + b64(mac).encode() + b"\n" + nonce + \
        seal(pkey, PLAINTEXT, b"\0" * 11 + b"\x01")


FILES = {
    "scrypt_first.age": [scrypt_stanza(), x25519_stanza()],
    "scrypt_second.age": [x25519_stanza(), scrypt_stanza()],
    "x25519_alone.age": [x25519_stanza()],
    "scrypt_alone.age": [scrypt_stanza()],
}

if __name__ == "__main__":
    for name, st in FILES.items():
        with open(os.path.join(HERE, name), "wb") as f:
            f.write(age_file(st))
    print("identity:", bech32("AGE-SECRET-KEY-", ID_SECRET).upper())
    print("recipient:", bech32("age", ID_PUBLIC))
    print("passphrase:", PASSPHRASE.decode(), "(work factor 2^%d)" % LOG_N)
