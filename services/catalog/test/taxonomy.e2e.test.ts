import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import { AuditEvent } from '../../../gen/shop/audit/v1/events.js';
import { BrandChanged, CategoryChanged, CategoryDeleted } from '../../../gen/shop/catalog/v1/events.js';
import { admin, api, errorReason, newCustomer, uniqueSku, violatedFields } from '../../../tools/testing/edge.js';
import { eventsMatching } from '../../../tools/testing/events.js';

const tag = () => randomUUID().slice(0, 8);
const eur = (amountMinor: number) => ({ currencyCode: 'EUR', amountMinor });

async function createCategory(json: Record<string, unknown>) {
  const res = await api('POST', '/v1/categories', { token: await admin(), json });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body;
}

async function createProduct(json: Record<string, unknown>) {
  const res = await api('POST', '/v1/products', { token: await admin(), json: { sku: uniqueSku('TAX'), price: eur(500), status: 'PRODUCT_STATUS_ACTIVE', ...json } });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body;
}

const patch = async (path: string, json: unknown, token?: string) => api('PATCH', path, { token: token ?? (await admin()), json });
const productIdsIn = async (query: string, token?: string) => {
  const res = await api('GET', `/v1/products?pageSize=100&${query}`, { token });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return (res.body.products ?? []).map((p: any) => p.id).sort();
};

describe('categories', () => {
  test('a tree: breadcrumbs root-down, children in position order, reorder, derived and sibling-unique slugs', async () => {
    const t = tag();
    const root = await createCategory({ name: `Clothing ${t}` });
    assert.equal(root.slug, `clothing-${t}`);
    assert.deepEqual(root.ancestors ?? [], []);
    const men = await createCategory({ name: 'Men', parentId: root.id, position: 2 });
    const women = await createCategory({ name: 'Women', parentId: root.id, position: 1 });
    const shirts = await createCategory({ name: 'Shirts', parentId: men.id });
    const read = await api('GET', `/v1/categories/${shirts.id}`);
    assert.equal(read.status, 200);
    assert.deepEqual(read.body.ancestors.map((a: any) => a.name), [`Clothing ${t}`, 'Men']);
    assert.equal(read.body.parentId, men.id);

    const children = async () => (await api('GET', `/v1/categories?parentId=${root.id}`)).body.categories.map((c: any) => c.name);
    assert.deepEqual(await children(), ['Women', 'Men']);
    const reordered = await patch(`/v1/categories/${men.id}?updateMask=position`, { position: 0, etag: men.etag });
    assert.equal(reordered.status, 200, JSON.stringify(reordered.body));
    assert.deepEqual(await children(), ['Men', 'Women']);

    // Paging through the children.
    const first = await api('GET', `/v1/categories?parentId=${root.id}&pageSize=1`);
    assert.equal(first.body.categories.length, 1);
    const second = await api('GET', `/v1/categories?parentId=${root.id}&pageSize=1&pageToken=${encodeURIComponent(first.body.nextPageToken)}`);
    assert.equal(second.body.categories[0].name, 'Women');
    assert.equal(second.body.nextPageToken ?? '', '');

    // Slugs are unique among siblings only: a chosen duplicate is 409, a derived one gets a suffix.
    const clash = await api('POST', '/v1/categories', { token: await admin(), json: { name: 'Other', slug: 'men', parentId: root.id } });
    assert.equal(clash.status, 409);
    assert.equal(errorReason(clash.body), 'SLUG_TAKEN');
    const again = await createCategory({ name: 'Men', parentId: root.id });
    assert.match(again.slug, /^men-[0-9a-f]{8}$/);
    assert.equal((await createCategory({ name: 'Men', parentId: women.id })).slug, 'men', 'another parent may reuse the slug');

    const bad = await api('POST', '/v1/categories', { token: await admin(), json: { name: '', parentId: 'aaaaaaaaaaaaaaaaaaaaaaaa' } });
    assert.equal(bad.status, 400);
    assert.deepEqual(violatedFields(bad.body), ['category.name']);
    const orphan = await api('POST', '/v1/categories', { token: await admin(), json: { name: 'Orphan', parentId: 'aaaaaaaaaaaaaaaaaaaaaaaa' } });
    assert.equal(orphan.status, 400);
    assert.deepEqual(violatedFields(orphan.body), ['category.parent_id']);
  });

  test('moving a category moves its subtree and its products; products of an ancestor include descendants', async () => {
    const t = tag();
    const a = await createCategory({ name: `A ${t}` });
    const b = await createCategory({ name: `B ${t}` });
    const a1 = await createCategory({ name: 'A1', parentId: a.id });
    const a11 = await createCategory({ name: 'A11', parentId: a1.id });
    const p1 = await createProduct({ name: 'Deep thing', categoryIds: [a11.id] });
    const p2 = await createProduct({ name: 'Shallow thing', categoryIds: [a1.id] });
    assert.deepEqual(await productIdsIn(`categoryId=${a.id}`), [p1.id, p2.id].sort());
    assert.deepEqual(await productIdsIn(`categoryId=${b.id}`), []);

    const moved = await patch(`/v1/categories/${a1.id}?updateMask=parentId`, { parentId: b.id, etag: a1.etag });
    assert.equal(moved.status, 200, JSON.stringify(moved.body));
    assert.deepEqual(moved.body.ancestors.map((x: any) => x.id), [b.id]);
    const deep = await api('GET', `/v1/categories/${a11.id}`);
    assert.deepEqual(deep.body.ancestors.map((x: any) => x.id), [b.id, a1.id], 'the descendant has new breadcrumbs');
    assert.deepEqual(await productIdsIn(`categoryId=${b.id}`), [p1.id, p2.id].sort());
    assert.deepEqual(await productIdsIn(`categoryId=${a.id}`), []);
    assert.deepEqual(await productIdsIn(`categoryId=${a1.id}`), [p1.id, p2.id].sort());

    // The move and the repaired descendant both announce their new ancestors.
    const events = await eventsMatching('SHOP_CATALOG', 'shop.catalog.category_changed', CategoryChanged.decode, (e) => e.category?.id === a11.id && e.category?.ancestors[0]?.id === b.id);
    assert.equal(events.length, 1);
    assert.deepEqual(events[0]!.event.category!.ancestors.map((x) => x.name), [`B ${t}`, 'A1']);
    const audits = await eventsMatching('SHOP_AUDIT', 'shop.audit.category.moved', AuditEvent.decode, (e) => e.targetId === a1.id);
    assert.equal(audits.length, 1);

    // Back to the top level.
    const top = await patch(`/v1/categories/${a1.id}?updateMask=parentId`, { etag: moved.body.etag });
    assert.equal(top.status, 200, JSON.stringify(top.body));
    assert.deepEqual(top.body.ancestors ?? [], []);
    assert.deepEqual(await productIdsIn(`categoryId=${b.id}`), []);
    assert.deepEqual((await api('GET', `/v1/categories/${a11.id}`)).body.ancestors.map((x: any) => x.id), [a1.id]);
  });

  test('a category cannot move under itself or one of its descendants', async () => {
    const root = await createCategory({ name: `Root ${tag()}` });
    const child = await createCategory({ name: 'Child', parentId: root.id });
    const grandchild = await createCategory({ name: 'Grandchild', parentId: child.id });
    for (const parentId of [root.id, grandchild.id]) {
      const res = await patch(`/v1/categories/${root.id}?updateMask=parentId`, { parentId });
      assert.equal(res.status, 400, JSON.stringify(res.body));
      assert.equal(errorReason(res.body), 'CATEGORY_CYCLE');
    }
    // Racing opposite moves cannot form a loop: at most one succeeds.
    const x = await createCategory({ name: `X ${tag()}` });
    const y = await createCategory({ name: `Y ${tag()}` });
    const [xy, yx] = await Promise.all([
      patch(`/v1/categories/${x.id}?updateMask=parentId`, { parentId: y.id }),
      patch(`/v1/categories/${y.id}?updateMask=parentId`, { parentId: x.id }),
    ]);
    assert.deepEqual([xy.status, yx.status].sort(), [200, 400]);
    assert.equal((await api('GET', `/v1/categories/${root.id}`)).body.parentId ?? '', '');
  });

  test('delete is refused while a category has children or products', async () => {
    const root = await createCategory({ name: `Del ${tag()}` });
    const child = await createCategory({ name: 'Leaf', parentId: root.id });
    const token = await admin();
    const withChildren = await api('DELETE', `/v1/categories/${root.id}`, { token });
    assert.equal(withChildren.status, 400);
    assert.equal(errorReason(withChildren.body), 'CATEGORY_HAS_CHILDREN');
    const product = await createProduct({ name: 'In leaf', categoryIds: [child.id], status: 'PRODUCT_STATUS_DRAFT' });
    const withProducts = await api('DELETE', `/v1/categories/${child.id}`, { token });
    assert.equal(withProducts.status, 400);
    assert.equal(errorReason(withProducts.body), 'CATEGORY_HAS_PRODUCTS');
    assert.equal((await api('DELETE', `/v1/products/${product.id}`, { token })).status, 200);
    assert.equal((await api('DELETE', `/v1/categories/${child.id}`, { token })).status, 200);
    assert.equal((await api('GET', `/v1/categories/${child.id}`)).status, 404);
    assert.equal((await api('DELETE', `/v1/categories/${root.id}`, { token })).status, 200);
    const events = await eventsMatching('SHOP_CATALOG', 'shop.catalog.category_deleted', CategoryDeleted.decode, (e) => e.categoryId === root.id);
    assert.equal(events.length, 1);
    // The slug is free again.
    assert.equal((await createCategory({ name: 'Leaf again', slug: child.slug, parentId: '' })).slug, child.slug);
  });

  test('a stale etag is 409 and changes nothing', async () => {
    const cat = await createCategory({ name: `Stale ${tag()}` });
    const first = await patch(`/v1/categories/${cat.id}?updateMask=name`, { name: 'Renamed', etag: cat.etag });
    assert.equal(first.status, 200);
    const second = await patch(`/v1/categories/${cat.id}?updateMask=name`, { name: 'Lost update', etag: cat.etag });
    assert.equal(second.status, 409);
    assert.equal(errorReason(second.body), 'ETAG_MISMATCH');
    const read = await api('GET', `/v1/categories/${cat.id}`);
    assert.equal(read.body.name, 'Renamed');
    assert.equal(read.body.etag, first.body.etag);
  });
});

describe('brands', () => {
  test('create, read, list, rename with events; names unique case-insensitively', async () => {
    const name = `Acme ${tag()}`;
    const brand = (await api('POST', '/v1/brands', { token: await admin(), json: { name, logoUrl: 'https://cdn.example.com/acme.png' } })).body;
    assert.equal(brand.slug, name.toLowerCase().replace(' ', '-'));
    assert.equal((await api('GET', `/v1/brands/${brand.id}`)).body.name, name);
    const dup = await api('POST', '/v1/brands', { token: await admin(), json: { name: name.toUpperCase() } });
    assert.equal(dup.status, 409);
    assert.equal(errorReason(dup.body), 'BRAND_NAME_TAKEN');
    const bad = await api('POST', '/v1/brands', { token: await admin(), json: { name: 'X', slug: 'Not A Slug', logoUrl: 'ftp://x' } });
    assert.deepEqual(violatedFields(bad.body), ['brand.logo_url', 'brand.slug']);

    const renamed = await patch(`/v1/brands/${brand.id}?updateMask=name`, { name: `${name} Corp`, etag: brand.etag });
    assert.equal(renamed.status, 200, JSON.stringify(renamed.body));
    assert.equal(renamed.body.slug, brand.slug, 'the slug stays unless masked');
    const stale = await patch(`/v1/brands/${brand.id}?updateMask=name`, { name: 'Nope', etag: brand.etag });
    assert.equal(stale.status, 409);
    assert.equal((await api('GET', `/v1/brands/${brand.id}`)).body.name, `${name} Corp`);
    const events = await eventsMatching('SHOP_CATALOG', 'shop.catalog.brand_changed', BrandChanged.decode, (e) => e.brand?.id === brand.id);
    assert.equal(events.length, 2);

    const listed = await api('GET', '/v1/brands?pageSize=200');
    assert.ok(listed.body.brands.some((b: any) => b.id === brand.id));
    const names = listed.body.brands.map((b: any) => b.name.toLowerCase());
    assert.deepEqual(names, [...names].sort());
  });

  test('concurrent creates of the same name give exactly one brand', async () => {
    const name = `Racer ${tag()}`;
    const token = await admin();
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => api('POST', '/v1/brands', { token, json: { name: i % 2 ? name : name.toLowerCase() } })));
    assert.deepEqual(results.map((r) => r.status).sort(), [200, 409, 409, 409, 409, 409, 409, 409]);
  });

  test('a brand in use cannot be deleted; once unused it can', async () => {
    const token = await admin();
    const brand = (await api('POST', '/v1/brands', { token, json: { name: `Used ${tag()}` } })).body;
    const product = await createProduct({ name: 'Branded', brandId: brand.id, status: 'PRODUCT_STATUS_ARCHIVED' });
    const refused = await api('DELETE', `/v1/brands/${brand.id}`, { token });
    assert.equal(refused.status, 400);
    assert.equal(errorReason(refused.body), 'BRAND_IN_USE');
    assert.equal((await api('DELETE', `/v1/products/${product.id}`, { token })).status, 200);
    assert.equal((await api('DELETE', `/v1/brands/${brand.id}`, { token })).status, 200);
    assert.equal((await api('GET', `/v1/brands/${brand.id}`)).status, 404);
    assert.equal((await api('POST', '/v1/brands', { token, json: { name: brand.name } })).status, 200, 'the name is free again');
  });
});

describe('collections', () => {
  test('ordered products that must exist; at most 1000; shoppers see only active ones', async () => {
    const token = await admin();
    const active = await createProduct({ name: 'Active pick' });
    const draft = await createProduct({ name: 'Draft pick', status: 'PRODUCT_STATUS_DRAFT' });
    const created = await api('POST', '/v1/collections', { token, json: { name: `Summer ${tag()}`, productIds: [draft.id, active.id] } });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    assert.deepEqual(created.body.productIds, [draft.id, active.id]);
    const c = created.body;
    assert.deepEqual((await api('GET', `/v1/collections/${c.id}`, { token })).body.productIds, [draft.id, active.id]);
    assert.deepEqual((await api('GET', `/v1/collections/${c.id}`)).body.productIds, [active.id]);

    const missing = await api('POST', '/v1/collections', { token, json: { name: 'Ghosts', productIds: ['aaaaaaaaaaaaaaaaaaaaaaaa'] } });
    assert.equal(missing.status, 400);
    assert.deepEqual(violatedFields(missing.body), ['collection.product_ids']);
    const tooMany = Array.from({ length: 1001 }, (_, i) => i.toString(16).padStart(24, '0'));
    assert.equal((await api('POST', '/v1/collections', { token, json: { name: 'Huge', productIds: tooMany } })).status, 400);

    const reordered = await patch(`/v1/collections/${c.id}?updateMask=productIds`, { productIds: [active.id, draft.id], etag: c.etag });
    assert.equal(reordered.status, 200, JSON.stringify(reordered.body));
    assert.deepEqual(reordered.body.productIds, [active.id, draft.id]);
    assert.equal((await patch(`/v1/collections/${c.id}?updateMask=name`, { name: 'Stale', etag: c.etag })).status, 409);
    assert.equal((await api('DELETE', `/v1/collections/${c.id}`, { token })).status, 200);
    assert.equal((await api('GET', `/v1/collections/${c.id}`)).status, 404);
  });
});

describe('product types', () => {
  const material = { code: 'material', name: 'Material', type: 'ATTRIBUTE_TYPE_ENUM', allowedValues: ['cotton', 'wool', 'silk'], filterable: true };
  const weight = { code: 'weight', name: 'Weight', type: 'ATTRIBUTE_TYPE_NUMBER', unit: 'g' };

  test('definitions are validated; attributes and values products use cannot be removed', async () => {
    const token = await admin();
    const bad = await api('POST', '/v1/product-types', { token, json: { name: 'Bad', attributes: [{ code: 'Bad Code', name: 'x', type: 'ATTRIBUTE_TYPE_TEXT', unit: 'g' }] } });
    assert.equal(bad.status, 400);
    assert.deepEqual(violatedFields(bad.body), ['product_type.attributes[0].code', 'product_type.attributes[0].unit']);

    const created = await api('POST', '/v1/product-types', { token, json: { name: `Tee ${tag()}`, attributes: [material, weight] } });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    const type = created.body;
    assert.equal((await api('POST', '/v1/product-types', { token, json: { name: type.name.toUpperCase() } })).status, 409);
    await createProduct({ name: 'Wool tee', productTypeId: type.id, attributes: [{ code: 'material', values: ['wool'] }] });

    const dropMaterial = await patch(`/v1/product-types/${type.id}?updateMask=attributes`, { attributes: [weight], etag: type.etag });
    assert.equal(dropMaterial.status, 400);
    assert.equal(errorReason(dropMaterial.body), 'ATTRIBUTE_IN_USE');
    const dropWool = await patch(`/v1/product-types/${type.id}?updateMask=attributes`, { attributes: [{ ...material, allowedValues: ['cotton'] }, weight], etag: type.etag });
    assert.equal(dropWool.status, 400);
    // Unused ones may go: the weight attribute and the silk value.
    const ok = await patch(`/v1/product-types/${type.id}?updateMask=attributes`, { attributes: [{ ...material, allowedValues: ['cotton', 'wool'] }], etag: type.etag });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.deepEqual(ok.body.attributes.map((a: any) => a.code), ['material']);
    assert.equal((await patch(`/v1/product-types/${type.id}?updateMask=name`, { name: 'Stale', etag: type.etag })).status, 409);
    assert.equal((await api('GET', `/v1/product-types/${type.id}`)).body.name, type.name);
    const listed = await api('GET', '/v1/product-types?pageSize=200');
    assert.ok(listed.body.productTypes.some((t: any) => t.id === type.id));
  });
});

describe('taxonomy access and visibility', () => {
  test('customers get 403 on every write', async () => {
    const { token } = await newCustomer();
    const id = 'aaaaaaaaaaaaaaaaaaaaaaaa';
    const writes: Array<[string, string, unknown?]> = [
      ['POST', '/v1/categories', { name: 'x' }], ['PATCH', `/v1/categories/${id}`, { name: 'x' }], ['DELETE', `/v1/categories/${id}`],
      ['POST', '/v1/brands', { name: 'x' }], ['PATCH', `/v1/brands/${id}`, { name: 'x' }], ['DELETE', `/v1/brands/${id}`],
      ['POST', '/v1/collections', { name: 'x' }], ['PATCH', `/v1/collections/${id}`, { name: 'x' }], ['DELETE', `/v1/collections/${id}`],
      ['POST', '/v1/product-types', { name: 'x' }], ['PATCH', `/v1/product-types/${id}`, { name: 'x' }],
    ];
    for (const [method, path, json] of writes) assert.equal((await api(method, path, { token, json })).status, 403, `${method} ${path}`);
  });

  test('non-staff never see draft or archived products listed by category, brand or collection', async () => {
    const token = await admin();
    const root = await createCategory({ name: `Vis ${tag()}` });
    const leaf = await createCategory({ name: 'Leaf', parentId: root.id });
    const brand = (await api('POST', '/v1/brands', { token, json: { name: `Vis ${tag()}` } })).body;
    const refs = { categoryIds: [leaf.id], brandId: brand.id };
    const active = await createProduct({ name: 'Live', ...refs });
    const draft = await createProduct({ name: 'Draft', ...refs, status: 'PRODUCT_STATUS_DRAFT' });
    const archived = await createProduct({ name: 'Archived', ...refs, status: 'PRODUCT_STATUS_ARCHIVED' });
    const collection = (await api('POST', '/v1/collections', { token, json: { name: `Vis ${tag()}`, productIds: [draft.id, active.id, archived.id] } })).body;
    const customer = (await newCustomer()).token;
    for (const query of [`categoryId=${root.id}`, `brandId=${brand.id}`, `collectionId=${collection.id}`]) {
      assert.deepEqual(await productIdsIn(query), [active.id], `anonymous, ${query}`);
      assert.deepEqual(await productIdsIn(query, customer), [active.id], `customer, ${query}`);
      assert.deepEqual(await productIdsIn(query, token), [active.id, draft.id, archived.id].sort(), `staff, ${query}`);
    }
  });
});
