import { describe, expect, it } from "vitest";
import { aesGcmOpen, aesGcmSeal } from "../src/crypto/aes-gcm.js";
import { hkdfSha256 } from "../src/crypto/hkdf.js";
import { pbkdf2Sha256 } from "../src/crypto/password.js";

const hex = (text: string): Uint8Array => Buffer.from(text.replace(/\s+/g, ""), "hex");
const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString("hex");
const ascii = (text: string): Uint8Array => Buffer.from(text, "ascii");

// McGrew & Viega, "The Galois/Counter Mode of Operation (GCM)", test cases 14-16 (256-bit keys).
const GCM_KEY_15_16 = "feffe9928665731c6d6a8f9467308308 feffe9928665731c6d6a8f9467308308";
const GCM_NONCE_15_16 = "cafebabefacedbaddecaf888";
const GCM_PLAINTEXT_15 =
  "d9313225f88406e5a55909c5aff5269a 86a7a9531534f7da2e4c303d8a318a72" +
  "1c3c0c95956809532fcf0e2449a6b525 b16aedf5aa0de657ba637b391aafd255";
const GCM_CIPHERTEXT_15 =
  "522dc1f099567d07f47f37a32a84427d 643a8cdcbfe5c0c97598a2bd2555d1aa" +
  "8cb08e48590dbb3da7b08b1056828838 c5f61e6393ba7a0abcc9f662898015ad";

const gcmVectors = [
  {
    name: "test case 14 (zero key, one zero block, no AAD)",
    key: "00".repeat(32),
    nonce: "00".repeat(12),
    plaintext: "00".repeat(16),
    aad: "",
    ciphertext: "cea7403d4d606b6e074ec5d3baf39d18",
    tag: "d0d1c8a799996bf0265b98b5d48ab919",
  },
  {
    name: "test case 15 (four blocks, no AAD)",
    key: GCM_KEY_15_16,
    nonce: GCM_NONCE_15_16,
    plaintext: GCM_PLAINTEXT_15,
    aad: "",
    ciphertext: GCM_CIPHERTEXT_15,
    tag: "b094dac5d93471bdec1a502270e3cc6c",
  },
  {
    name: "test case 16 (partial final block, 20-byte AAD)",
    key: GCM_KEY_15_16,
    nonce: GCM_NONCE_15_16,
    // Test case 15's plaintext and ciphertext without their last four bytes.
    plaintext: GCM_PLAINTEXT_15.replace(/\s+/g, "").slice(0, 120),
    aad: "feedfacedeadbeeffeedfacedeadbeef abaddad2",
    ciphertext: GCM_CIPHERTEXT_15.replace(/\s+/g, "").slice(0, 120),
    tag: "76fc6ece0f4e1768cddf8853bb2d551b",
  },
];

describe("AES-256-GCM matches the GCM specification's test vectors", () => {
  for (const vector of gcmVectors) {
    it(`seals ${vector.name}`, () => {
      const sealed = aesGcmSeal(hex(vector.key), hex(vector.nonce), hex(vector.plaintext), hex(vector.aad));
      expect(toHex(sealed)).toBe(toHex(hex(vector.ciphertext + vector.tag)));
    });

    it(`opens ${vector.name}`, () => {
      const opened = aesGcmOpen(hex(vector.key), hex(vector.nonce), hex(vector.ciphertext + vector.tag), hex(vector.aad));
      expect(toHex(opened)).toBe(toHex(hex(vector.plaintext)));
    });
  }
});

describe("HKDF-SHA256 matches RFC 5869", () => {
  const ikm = hex("0b".repeat(22));

  it("test case 1 (salt and info)", () => {
    const okm = hkdfSha256(ikm, hex("000102030405060708090a0b0c"), hex("f0f1f2f3f4f5f6f7f8f9"), 42);
    expect(toHex(okm)).toBe(
      "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865",
    );
  });

  it("test case 3 (empty salt and info, as deriveSubKey uses)", () => {
    const okm = hkdfSha256(ikm, new Uint8Array(0), new Uint8Array(0), 42);
    expect(toHex(okm)).toBe(
      "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8",
    );
  });
});

describe("PBKDF2-HMAC-SHA256 matches RFC 7914 section 11", () => {
  it('P="passwd", S="salt", c=1, dkLen=64', async () => {
    const derived = await pbkdf2Sha256(ascii("passwd"), ascii("salt"), 1, 64);
    expect(toHex(derived)).toBe(
      toHex(
        hex(`55 ac 04 6e 56 e3 08 9f ec 16 91 c2 25 44 b6 05
             f9 41 85 21 6d de 04 65 e6 8b 9d 57 c2 0d ac bc
             49 ca 9c cc f1 79 b6 45 99 16 64 b3 9d 77 ef 31
             7c 71 b8 45 b1 e3 0b d5 09 11 20 41 d3 a1 97 83`),
      ),
    );
  });

  it('P="Password", S="NaCl", c=80000, dkLen=64', async () => {
    const derived = await pbkdf2Sha256(ascii("Password"), ascii("NaCl"), 80_000, 64);
    expect(toHex(derived)).toBe(
      toHex(
        hex(`4d dc d8 f6 0b 98 be 21 83 0c ee 5e f2 27 01 f9
             64 1a 44 18 d0 4c 04 14 ae ff 08 87 6b 34 ab 56
             a1 d4 25 a1 22 58 33 54 9a db 84 1b 51 c9 b3 17
             6a 27 2b de bb a1 d0 78 47 8f 62 b3 97 f3 3c 8d`),
      ),
    );
  });
});
