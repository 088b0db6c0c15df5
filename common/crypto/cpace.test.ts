import {
  calculateGenerator,
  cpaceFinish,
  cpaceStart,
  CryptoError,
  generatorString,
  initCrypto,
  intermediateSessionKey,
  lvCat,
  prependLen,
  scalarMult,
  scalarMultVfy,
  transcriptIr,
  utf8,
} from './index';

beforeAll(initCrypto);

const hex = (text: string) => Uint8Array.from(Buffer.from(text.replace(/\s+/g, ''), 'hex'));
const toHex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

/**
 * draft-irtf-cfrg-cpace, "Test vector for CPace using group ristretto255 and hash SHA-512"
 * (github.com/cfrg/draft-irtf-cfrg-cpace, testvectors.json → G_Coffee25519, G_Coffee25519_points).
 */
const V = {
  PRS: hex('50617373776F7264'),
  CI: hex('0B415F696E69746961746F720B425F726573706F6E646572'),
  sid: hex('7E4B4791D6A8EF019B936C79FB7F2C57'),
  generatorString: hex(`
    11435061636552697374726574746f3235350850617373776f726464
    00000000000000000000000000000000000000000000000000000000
    00000000000000000000000000000000000000000000000000000000
    00000000000000000000000000000000000000000000000000000000
    00000000000000000000000000000000180b415f696e69746961746f
    720b425f726573706f6e646572107e4b4791d6a8ef019b936c79fb7f
    2c57`),
  g: '222b6b195fe84b1652badb6f6a3ae3d24341e7306967f0b8115b40d5698c7e56',
  ya: hex('DA3D23700A9E5699258AEF94DC060DFDA5EBB61F02A5EA77FAD53F4FF0976D08'),
  ADa: hex('414461'),
  Ya: 'd6bac480f2c386c394efc7c47adb9925dcd2630b64f240c50f8d0eec482b9157',
  yb: hex('D2316B454718C35362D83D69DF6320F38578ED5984651435E2949762D900B80D'),
  ADb: hex('414462'),
  Yb: '3ea7e0b19560d7c0b0f5734f63b955286dfa8232b5ebe63324e2d9e7433f7258',
  K: '80b69a8a76457ab6a4d7f887a4bf6b55a2f80ac19c333f917a05fc9887c8b40f',
  transcriptIr: `20d6bac480f2c386c394efc7c47adb9925dcd2630b64f240c50f8d0e
      ec482b915703414461203ea7e0b19560d7c0b0f5734f63b955286dfa
      8232b5ebe63324e2d9e7433f725803414462`,
  ISK_IR:
    'b69effbf61b51d56401c0f65601abe428de8206feaaf0e32198896dcae7b35cd2b38950a39dfd5d4a79164614c2984f7daa460b588c1e80c3fa2068af7900447',
  points: {
    s: hex('7CD0E075FA7955BA52C02759A6C90DBBFC10E6D40AEA8D283E407D88CF538A05'),
    X: hex('2C3C6B8C4F3800E7AEF6864025B4ED79BD599117E427C41BD47D93D654B4A51C'),
    sX: '7c13645fe790a468f62c39beb7388e541d8405d1ade69d1778c5fe3e7f6b600e',
    invalid1: hex('2B3C6B8C4F3800E7AEF6864025B4ED79BD599117E427C41BD47D93D654B4A51C'),
    identity: new Uint8Array(32),
  },
};

describe('CPace over ristretto255 / SHA-512 (draft test vectors)', () => {
  it('builds the generator string and the generator', () => {
    expect(toHex(generatorString(V.PRS, V.CI, V.sid))).toBe(toHex(V.generatorString));
    expect(toHex(calculateGenerator(V.PRS, V.CI, V.sid))).toBe(V.g);
  });

  it('computes both shares, the shared point and the initiator/responder ISK', () => {
    const g = calculateGenerator(V.PRS, V.CI, V.sid);
    const Ya = scalarMult(V.ya, g);
    const Yb = scalarMult(V.yb, g);
    expect(toHex(Ya)).toBe(V.Ya);
    expect(toHex(Yb)).toBe(V.Yb);
    expect(toHex(scalarMultVfy(V.ya, Yb))).toBe(V.K);
    expect(toHex(scalarMultVfy(V.yb, Ya))).toBe(V.K);
    const transcript = transcriptIr(Ya, V.ADa, Yb, V.ADb);
    expect(toHex(transcript)).toBe(toHex(hex(V.transcriptIr)));
    expect(toHex(intermediateSessionKey(V.sid, hex(V.K), transcript))).toBe(V.ISK_IR);
    const ad = { initiator: V.ADa, responder: V.ADb };
    expect(toHex(cpaceFinish({ scalar: V.ya, share: Ya }, 'initiator', V.sid, { share: Yb }, ad))).toBe(V.ISK_IR);
    expect(toHex(cpaceFinish({ scalar: V.yb, share: Yb }, 'responder', V.sid, { share: Ya }, ad))).toBe(V.ISK_IR);
  });

  it('scalar_mult_vfy: a valid point multiplies, an invalid encoding or the identity aborts', () => {
    expect(toHex(scalarMultVfy(V.points.s, V.points.X))).toBe(V.points.sX);
    expect(() => scalarMultVfy(V.points.s, V.points.invalid1)).toThrow(CryptoError);
    expect(() => scalarMultVfy(V.points.s, V.points.identity)).toThrow(CryptoError);
  });

  it('prepend_len is LEB128 (lengths of 128 and more take two bytes)', () => {
    expect(toHex(prependLen(new Uint8Array(3)))).toBe('03000000');
    expect(toHex(prependLen(new Uint8Array(128)).slice(0, 2))).toBe('8001');
    expect(toHex(lvCat(utf8.encode('a'), new Uint8Array(0)))).toBe('016100');
  });
});

describe('CPace runs', () => {
  const inputs = (prs: string) => ({
    prs: utf8.encode(prs),
    ci: utf8.encode('test'),
    sid: hex('00112233445566778899aabbccddeeff'),
  });
  const ad = { initiator: utf8.encode('A'), responder: utf8.encode('B') };

  it('the same password gives both sides the same key; a different password gives unrelated keys', () => {
    const a = cpaceStart(inputs('123456'));
    const b = cpaceStart(inputs('123456'));
    const wrong = cpaceStart(inputs('123457'));
    const sid = inputs('').sid;
    const key = toHex(cpaceFinish(a, 'initiator', sid, b, ad));
    expect(toHex(cpaceFinish(b, 'responder', sid, a, ad))).toBe(key);
    expect(toHex(cpaceFinish(wrong, 'responder', sid, a, ad))).not.toBe(
      toHex(cpaceFinish(a, 'initiator', sid, wrong, ad)),
    );
  });
});
