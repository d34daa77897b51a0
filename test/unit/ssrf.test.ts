import { describe, expect, it, vi } from "vitest";
import {
  checkTargetUrl,
  checkUrlSyntax,
  forbiddenReason,
  isLoopbackHost,
  type LookupFn,
} from "../../src/net/index.js";

const off = { allowInsecureLoopback: false };
const on = { allowInsecureLoopback: true };

describe("forbiddenReason", () => {
  it.each([
    ["127.0.0.1", "loopback"],
    ["127.255.0.9", "loopback"],
    ["::1", "loopback"],
    ["10.1.2.3", "private"],
    ["172.16.0.1", "private"],
    ["172.31.255.255", "private"],
    ["192.168.1.1", "private"],
    ["169.254.169.254", "cloud metadata"],
    ["fd00:ec2::254", "cloud metadata"],
    ["169.254.10.10", "link-local"],
    ["fe80::1", "link-local"],
    ["fe80::1%eth0", "link-local"],
    ["100.64.0.1", "carrier-grade NAT"],
    ["100.127.255.255", "carrier-grade NAT"],
    ["fc00::1", "unique-local"],
    ["fdff::1", "unique-local"],
    ["0.0.0.0", "unspecified"],
    ["::", "unspecified"],
    ["224.0.0.1", "multicast"],
    ["ff02::1", "multicast"],
    ["255.255.255.255", "broadcast"],
  ])("%s is %s", (address, kind) => {
    expect(forbiddenReason(address)).toContain(kind);
  });

  it.each([
    // Every IPv6 form that carries an IPv4 address is refused, whatever that address is.
    ["::ffff:127.0.0.1", "IPv4-mapped"],
    ["::ffff:7f00:1", "IPv4-mapped"],
    ["::ffff:8.8.8.8", "IPv4-mapped"],
    ["::ffff:0:127.0.0.1", "IPv4-translated"],
    ["::ffff:0:7f00:1", "IPv4-translated"],
    ["64:ff9b::7f00:1", "NAT64"],
    ["64:ff9b:1::1", "NAT64"],
    ["2002:7f00:1::", "6to4"],
    ["2001::1", "Teredo"],
    ["::7f00:1", "IPv4-compatible"],
    // Ranges the hand-written list used to miss or lump together.
    ["fec0::1", "site-local"],
    ["198.18.0.1", "reserved"],
    ["192.0.0.1", "reserved"],
    ["192.0.2.1", "reserved"],
    ["2001:db8::1", "reserved"],
    ["240.0.0.1", "reserved"],
    ["100::1", "discard-only"],
  ])("%s is refused (%s)", (address, kind) => {
    expect(forbiddenReason(address)).toContain(kind);
  });

  it.each(["8.8.8.8", "93.184.216.34", "172.32.0.1", "100.128.0.1", "2606:4700:4700::1111", "2a00:1450:4001::200e"])("%s is public", (address) => {
    expect(forbiddenReason(address)).toBeUndefined();
  });

  it("is not fooled by notations that are not addresses", () => {
    for (const text of ["127.1", "0x7f000001", "2130706433", "017700000001", "localhost", ""]) expect(forbiddenReason(text), text).toBe("not an IP address");
  });

  it("knows loopback host names", () => {
    for (const h of ["localhost", "api.localhost", "127.0.0.1", "[::1]", "0:0:0:0:0:0:0:1"]) expect(isLoopbackHost(h), h).toBe(true);
    for (const h of ["example.com", "::ffff:7f00:1", "10.0.0.1", "localhost.example.com"]) expect(isLoopbackHost(h), h).toBe(false);
  });
});

describe("checkUrlSyntax", () => {
  const rejects = (url: string, policy = off) => expect(() => checkUrlSyntax(url, policy, "baseUrl"), url).toThrow(/baseUrl/);

  it("accepts https to a public name or address", () => {
    expect(checkUrlSyntax("https://api.example.com/v1", off).hostname).toBe("api.example.com");
    expect(checkUrlSyntax("https://8.8.8.8/x", off).hostname).toBe("8.8.8.8");
  });

  it("rejects non-canonical IPv4 forms, whatever the flag", () => {
    for (const url of ["http://2130706433/", "http://0177.0.0.1/", "http://127.1/", "http://0x7f.1/", "http://0x7f000001/", "https://%31%32%37.0.0.1/", "https://127.0.0.1./", "https://8.8.8.010/"]) {
      expect(() => checkUrlSyntax(url, on), url).toThrow(/non-canonical/);
      expect(() => checkUrlSyntax(url, off), url).toThrow(/non-canonical/);
    }
  });

  it("rejects plain http unless the flag is on and the host is loopback", () => {
    expect(() => checkUrlSyntax("http://api.example.com/", on)).toThrow(/must use https/);
    expect(() => checkUrlSyntax("http://127.0.0.1:8080/", off)).toThrow(/loopback/);
    expect(() => checkUrlSyntax("http://localhost:8080/", off)).toThrow(/loopback/);
    expect(checkUrlSyntax("http://127.0.0.1:8080/v1", on).port).toBe("8080");
    expect(checkUrlSyntax("http://[::1]:8080/", on).hostname).toBe("[::1]");
  });

  it("rejects forbidden literals and IPv4-mapped forms even with the flag", () => {
    for (const url of ["http://169.254.169.254/latest", "https://169.254.169.254/", "https://10.0.0.1/", "https://[fd00:ec2::254]/", "http://[::ffff:127.0.0.1]/", "https://[::ffff:7f00:1]/", "https://0.0.0.0/"]) {
      expect(() => checkUrlSyntax(url, on), url).toThrow(/may not use/);
    }
  });

  it("rejects userinfo, other schemes, whitespace and sloppy forms", () => {
    rejects("https://user:pass@api.example.com/");
    rejects("https://@api.example.com/");
    rejects("ftp://api.example.com/");
    rejects("file:///etc/passwd");
    rejects("http:127.0.0.1/");
    rejects("https:\\\\api.example.com");
    rejects(" https://api.example.com\t");
    rejects("not a url");
  });
});

describe("checkTargetUrl", () => {
  it("resolves names and refuses any non-public address", async () => {
    const lookup = vi.fn<LookupFn>(async () => [
      { address: "93.184.216.34", family: 4 },
      { address: "10.0.0.7", family: 4 },
    ]);
    await expect(checkTargetUrl("https://mixed.example/", { ...off, lookup }, "baseUrl")).rejects.toThrow(/resolves to a private address/);
    expect(lookup).toHaveBeenCalledWith("mixed.example");
  });

  it("refuses a name resolving to loopback even with the flag on (only loopback names may)", async () => {
    const lookup: LookupFn = async () => [{ address: "127.0.0.1", family: 4 }];
    await expect(checkTargetUrl("https://sneaky.example/", { ...on, lookup })).rejects.toMatchObject({ code: "unsafe_url" });
    await expect(checkTargetUrl("http://localhost:1/", { ...on, lookup })).resolves.toBeInstanceOf(URL);
    await expect(checkTargetUrl("https://localhost:1/", { ...off, lookup })).rejects.toThrow(/loopback/);
  });

  it("passes public names and reports names that do not resolve", async () => {
    await expect(checkTargetUrl("https://ok.example/", { ...off, lookup: async () => [{ address: "2606:4700::1", family: 6 }] })).resolves.toBeInstanceOf(URL);
    const failing: LookupFn = async () => {
      throw Object.assign(new Error("getaddrinfo ENOTFOUND"), { code: "ENOTFOUND" });
    };
    await expect(checkTargetUrl("https://nowhere.example/", { ...off, lookup: failing })).rejects.toMatchObject({ code: "unresolvable_url" });
  });

  it("does not resolve IP literals", async () => {
    const lookup = vi.fn<LookupFn>(async () => []);
    await expect(checkTargetUrl("https://8.8.8.8/", { ...off, lookup })).resolves.toBeInstanceOf(URL);
    expect(lookup).not.toHaveBeenCalled();
  });
});
