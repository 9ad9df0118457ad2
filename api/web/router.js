// A small hash router: each route's path is compiled once into a regular
// expression, and a location's hash is matched against them in order.
//
// A path is made of parts: "/units/:unit" names a part unit;
// ":unit?" may be left out; ":run(\\d+)" says what the part must look like.

function compile(path) {
  const names = [];
  let re = "";
  for (const part of path.split("/").filter(Boolean)) {
    const m = /^:(\w+)(?:\((.+)\))?(\?)?$/.exec(part);
    if (!m) { re += "/" + part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"); continue; }
    names.push(m[1]);
    const group = `/(${m[2] || "[^/]+"})`;
    re += m[3] ? `(?:${group})?` : group;
  }
  return { re: new RegExp(`^#${re || "/"}$`), names };
}

// Router finds the route of a hash; the first route is the fallback for a
// hash no route matches.
export class Router {
  constructor(routes) {
    this.routes = routes.map(r => Object.assign({}, r, compile(r.path)));
  }

  // match returns the route of hash and its parts, decoded ("" for a part
  // left out). It throws on a part that is not valid URI encoding.
  match(hash) {
    for (const r of this.routes) {
      const m = r.re.exec(hash);
      if (!m) continue;
      const params = {};
      r.names.forEach((n, i) => { params[n] = m[i + 1] === undefined ? "" : decodeURIComponent(m[i + 1]); });
      return { route: r, params };
    }
    return { route: this.routes[0], params: {} };
  }
}
