// The reference-layer definitions: header guesses (三调 abbreviations, Chinese, dBase cuts), DLBM →
// land class, road class from text or route code, value parsing and per-feature problems.
import assert from 'node:assert/strict'
import { describe, test } from 'vitest'
import {
  guessLayerMapping, landClassOf, LAYER_KEYS, LAYERS, mappingError, missingRequired, parseFeature, parseValue, roadClassFromCode, targetsOf,
} from '../../server/src/domain/reference-layers.ts'

describe('header guesses', () => {
  test('a 三调 地类图斑 table maps by its abbreviations', () => {
    const m = guessLayerMapping('parcels', ['FID', 'BSM', 'TBBH', 'DLBM', 'DLMC', 'QSXZ', 'QSDWDM', 'QSDWMC', 'ZLDWDM', 'ZLDWMC', 'TBMJ', 'KCMJ', 'TBDLMJ'])
    assert.deepEqual(m, {
      parcelNo: 'BSM', landCode: 'DLBM', landName: 'DLMC', basicFarmland: null, ownership: 'QSXZ', ownerName: 'QSDWMC',
      villageCode: 'ZLDWDM', recordedArea: 'TBMJ',
    })
  })

  test('Chinese headers, in any case, and the 10-byte cuts dBase makes of them', () => {
    const b = guessLayerMapping('buildings', ['层数', 'jg', '房屋用途', '是否自建', '是否出租'])
    assert.equal(b.floors, '层数')
    assert.equal(b.structure, 'jg')
    assert.equal(b.use, '房屋用途')
    // 是否自建房 (15 bytes in UTF-8) cut to 10 bytes arrives as 是否自 (9 bytes) — here as 是否自建 (12)
    assert.equal(b.selfBuilt, '是否自建')
    assert.equal(b.rented, '是否出租')
    // GBK keeps 5 characters of 是否基本农田
    assert.equal(guessLayerMapping('parcels', ['BSM', 'DLBM', '是否基本农']).basicFarmland, '是否基本农')
  })

  test('a field is used for one target only, and a ring road defaults to ring 6', () => {
    const r = guessLayerMapping('roads', ['名称', '编号', '等级'])
    assert.deepEqual(r, { name: '名称', roadCode: '编号', roadClass: '等级' })
    assert.deepEqual(guessLayerMapping('ring_roads', ['NAME']).ringNo, { value: 6 })
    const a = guessLayerMapping('admin_units', ['XZQDM', 'XZQMC'])
    assert.deepEqual([a.code, a.name], ['XZQDM', 'XZQMC'])
  })
})

describe('values', () => {
  test('DLBM → land class, with basic farmland and collective construction', () => {
    assert.equal(landClassOf('0101', false, null), 'farmland')
    assert.equal(landClassOf('0103', true, null), 'basic_farmland')
    assert.equal(landClassOf('0201', false, null), 'garden')
    assert.equal(landClassOf('0301', false, null), 'forest')
    assert.equal(landClassOf('0702', false, 'collective'), 'homestead')
    assert.equal(landClassOf('0701', false, null), 'state_construction')
    assert.equal(landClassOf('0601', false, 'collective'), 'collective_construction')
    assert.equal(landClassOf('08H1', false, null), null, 'letters inside the code are not GB/T 21010')
    assert.equal(landClassOf('1001', false, null), 'road')
    assert.equal(landClassOf('1101', false, null), 'water')
    assert.equal(landClassOf('0404', false, null), 'other')
    assert.equal(landClassOf('1202', false, null), 'other')
    assert.equal(landClassOf('0101K', false, null), 'farmland', '三调 suffix')
    assert.equal(landClassOf('0A03', false, null), null)
    assert.equal(landClassOf('1301', false, null), null)
  })

  test('road class from the route code letter', () => {
    assert.equal(roadClassFromCode('G107'), 'national')
    assert.equal(roadClassFromCode('G4'), 'expressway')
    assert.equal(roadClassFromCode('G4501'), 'expressway')
    assert.equal(roadClassFromCode('S329'), 'provincial')
    assert.equal(roadClassFromCode('X012'), 'county')
    assert.equal(roadClassFromCode('Y005'), 'village')
    assert.equal(roadClassFromCode('C101'), 'village')
    assert.equal(roadClassFromCode('京港澳'), null)
  })

  test('enums take Chinese synonyms, codes and contained words; numbers their units', () => {
    const use = LAYERS.buildings.fields.find((f) => f.key === 'use')!
    assert.equal(parseValue(use, '住宅').value, 'residential')
    assert.equal(parseValue(use, '仓库').value, 'storage')
    assert.equal(parseValue(use, '住宅及商铺').value, 'residential')
    assert.equal(parseValue(use, '火星基地').problem?.code, 'unknown_code')
    const structure = LAYERS.buildings.fields.find((f) => f.key === 'structure')!
    assert.equal(parseValue(structure, '砖混结构').value, 'brick_concrete')
    assert.equal(parseValue(structure, '4').value, 'brick_concrete', '房地一体 JZJG code 4 混合结构')
    const floors = LAYERS.buildings.fields.find((f) => f.key === 'floors')!
    assert.equal(parseValue(floors, '3层').value, 3)
    assert.equal(parseValue(floors, 2).value, 2)
    assert.equal(parseValue(floors, '0').problem?.code, 'bad_value')
    assert.equal(parseValue(floors, '2.5').problem?.code, 'bad_value')
    assert.equal(parseValue(floors, '').value, null)
    const issued = LAYERS.permits.fields.find((f) => f.key === 'issuedOn')!
    assert.equal(parseValue(issued, '2019年3月5日').value, '2019-03-05')
    assert.equal(parseValue(issued, '2019-02-30').problem?.code, 'bad_value')
    const rented = LAYERS.buildings.fields.find((f) => f.key === 'rented')!
    assert.equal(parseValue(rented, '是').value, true)
    assert.equal(parseValue(rented, 'N').value, false)
    assert.equal(parseValue(rented, '也许').problem?.code, 'bad_value')
  })
})

describe('features', () => {
  const parcels = { parcelNo: 'BSM', landCode: 'DLBM', landName: 'DLMC', basicFarmland: null, ownership: 'QSXZ', ownerName: 'QSDWMC', villageCode: 'ZLDWDM', recordedArea: 'TBMJ' }

  test('a 三调 parcel row becomes the parcel written', () => {
    const { attrs, problem } = parseFeature('parcels', parcels, { BSM: '1101112080001', DLBM: '0702', DLMC: '农村宅基地', QSXZ: '30', QSDWMC: '南刘庄村', ZLDWDM: '1101110080010000000', TBMJ: '312.45' })
    assert.equal(problem, null)
    assert.equal(attrs.landClass, 'homestead')
    assert.equal(attrs.landCode, '0702')
    assert.equal(attrs.ownerType, 'collective')
    assert.equal(attrs.villageCode, '110111008001')
    assert.equal(attrs.recordedArea, 312.45)
  })

  test('the first problem names its field: unknown code, missing required value, bad value', () => {
    assert.deepEqual(parseFeature('parcels', parcels, { BSM: 'P1', DLBM: '0A03' }).problem?.code, 'unknown_code')
    assert.deepEqual(parseFeature('parcels', parcels, { BSM: 'P1', DLBM: '0A03' }).problem?.field, 'landCode')
    assert.equal(parseFeature('parcels', parcels, { BSM: '', DLBM: '0101' }).problem?.code, 'required')
    assert.equal(parseFeature('parcels', parcels, { BSM: 'P2', DLBM: '0101', TBMJ: '-5' }).problem?.code, 'bad_value')
    assert.equal(parseFeature('parcels', { ...parcels, landCode: null }, { BSM: 'P3', DLMC: '旱地' }).attrs.landClass, 'farmland', 'the name stands in for the code')
  })

  test('a road without a class takes it from its route code; a water kind from its name', () => {
    const roads = { name: 'MC', roadCode: 'LXBM', roadClass: null }
    assert.equal(parseFeature('roads', roads, { MC: '京周公路', LXBM: 'G107' }).attrs.roadClass, 'national')
    assert.equal(parseFeature('roads', roads, { MC: '无名路', LXBM: 'Z1' }).problem?.code, 'unknown_code')
    assert.equal(parseFeature('waters', { name: 'MC', kind: null }, { MC: '崇青水库' }).attrs.kind, 'reservoir')
    assert.equal(parseFeature('waters', { name: 'MC', kind: null }, { MC: '拒马河' }).attrs.kind, 'river')
    assert.equal(parseFeature('ring_roads', { name: null, ringNo: { value: 6 }, roadCode: null }, {}).attrs.ringNo, 6)
  })

  test('admin codes must be 6, 9 or 12 digits', () => {
    const m = { code: 'DM', name: 'MC', kind: null, registeredPopulation: null, floatingPopulation: null }
    assert.equal(parseFeature('admin_units', m, { DM: '110111008', MC: '长阳镇' }).problem, null)
    assert.equal(parseFeature('admin_units', m, { DM: '1101110', MC: '?' }).problem?.code, 'bad_value')
  })

  test('a mapping is checked as a whole: unknown targets and fields, bad constants, required targets left empty', () => {
    assert.match(mappingError('buildings', { height: 'H' }, ['H']) ?? '', /no target height/)
    assert.match(mappingError('buildings', { floors: 'CS' }, ['JZCS']) ?? '', /no field CS/)
    assert.match(mappingError('buildings', { floors: { value: 'many' } }, []) ?? '', /constant/)
    assert.equal(mappingError('buildings', { floors: { value: 2 } }, []), null)
    assert.deepEqual(missingRequired('buildings', { floors: null }), ['floors'])
    assert.deepEqual(missingRequired('roads', { roadClass: null, roadCode: 'LXBM' }), [])
  })

  test('every layer lists its targets with Chinese and English names', () => {
    for (const layer of LAYER_KEYS) {
      const targets = targetsOf(layer)
      assert.ok(targets.length > 0, layer)
      for (const t of targets) assert.ok(t.zh && t.en && t.kind, `${layer}.${t.key}`)
    }
    assert.ok(targetsOf('parcels').find((t) => t.key === 'landCode')!.values!.some((v) => v.key === 'farmland' && v.zh === '耕地'))
  })
})
