// Every label the UI shows, in Chinese (the default) and English. Keys are flat and dotted by
// area. The English table is typed against the Chinese one, so a missing key fails the build.
// Coded values (statuses, uses, classes) are keyed `<domain>.<code>`; see codes.ts.

export const LANGS = ['zh-CN', 'en'] as const
export type Lang = (typeof LANGS)[number]
export const DEFAULT_LANG: Lang = 'zh-CN'

const zhCN = {
  'app.title': '拆违图斑管理',
  'app.productTag': '拆违',
  'app.loading': '正在加载…',

  'login.heading': '登录',
  'login.username': '用户名',
  'login.password': '密码',
  'login.submit': '登录',
  'login.submitting': '正在登录…',
  'login.failed': '登录失败',
  'login.network': '无法连接服务器，请稍后再试',

  'header.user': '当前用户',
  'header.logout': '退出登录',
  'header.language': '语言',

  'notice.synthetic': '示例数据：地理要素为合成数据',

  'meta.error': '无法读取系统信息',
  'map.error': '地图加载失败',
  'map.loading': '地图加载中…',
  'map.zoom': '缩放级别',
  'map.resetView': '回到全区',

  'legend.title': '图例',
  'legend.caseStatus': '案件状态',
  'legend.layers': '图层',
  'legend.casesInView': '视野内案件',
  'legend.collapse': '收起图例',
  'legend.expand': '展开图例',

  'layer.cases': '违法建设案件',
  'layer.labels': '地名注记',
  'layer.admin': '行政区划',
  'layer.referenceAreas': '居民区、景区、企业驻地',
  'layer.waters': '水系',
  'layer.roads': '道路',
  'layer.buildings': '建筑',
  'layer.parcels': '地块',
  'layer.minzoom': '{z}级起显示',

  'role.admin': '系统管理员',
  'role.planner': '规划专班',
  'role.analyst': '统计督查',
  'role.field': '外业核查',
  'role.viewer': '只读用户',

  'caseStatus.identified': '排查认定',
  'caseStatus.notified': '宣传告知',
  'caseStatus.order_issued': '限期拆除决定',
  'caseStatus.demolished': '已拆除',
  'caseStatus.confiscated': '没收',
  'caseStatus.regularised': '补办手续',
  'caseStatus.deferred': '暂缓',
  'caseStatus.accepted': '验收',
  'caseStatus.closed': '销账',

  'caseUse.residential': '居住',
  'caseUse.storage': '仓储',
  'caseUse.commercial': '商业',
  'caseUse.office': '办公',
  'caseUse.other': '其他',

  'buildingUse.residential': '居住',
  'buildingUse.storage': '仓储',
  'buildingUse.commercial': '商业',
  'buildingUse.office': '办公',
  'buildingUse.industrial': '工业',
  'buildingUse.public': '公共服务',
  'buildingUse.other': '其他',

  'landClass.farmland': '耕地',
  'landClass.basic_farmland': '基本农田',
  'landClass.homestead': '宅基地',
  'landClass.collective_construction': '集体建设用地',
  'landClass.state_construction': '国有建设用地',
  'landClass.forest': '林地',
  'landClass.garden': '园地',
  'landClass.water': '水域',
  'landClass.road': '交通用地',
  'landClass.other': '其他用地',

  'roadClass.expressway': '高速/环路',
  'roadClass.national': '国道',
  'roadClass.provincial': '省道',
  'roadClass.county': '县道',
  'roadClass.village': '村道',
  'road.ring6': '六环路',

  'waterKind.river': '河流',
  'waterKind.stream': '溪流',
  'waterKind.reservoir': '水库',

  'referenceAreaKind.residential': '居民区',
  'referenceAreaKind.scenic': '景区',
  'referenceAreaKind.enterprise': '企业驻地',

  'adminLevel.district': '区',
  'adminLevel.town': '镇街',
  'adminLevel.village': '村社区',
} as const

export type MessageKey = keyof typeof zhCN
export type Messages = Readonly<Record<MessageKey, string>>

const en: Messages = {
  'app.title': 'Illegal Construction Map',
  'app.productTag': 'Chaiwei',
  'app.loading': 'Loading…',

  'login.heading': 'Sign in',
  'login.username': 'Username',
  'login.password': 'Password',
  'login.submit': 'Sign in',
  'login.submitting': 'Signing in…',
  'login.failed': 'Sign-in failed',
  'login.network': 'Cannot reach the server, please try again later',

  'header.user': 'Signed in as',
  'header.logout': 'Sign out',
  'header.language': 'Language',

  'notice.synthetic': 'Sample data: the geometry is synthetic',

  'meta.error': 'Cannot read the system information',
  'map.error': 'The map failed to load',
  'map.loading': 'Loading the map…',
  'map.zoom': 'Zoom',
  'map.resetView': 'Whole district',

  'legend.title': 'Legend',
  'legend.caseStatus': 'Case status',
  'legend.layers': 'Layers',
  'legend.casesInView': 'Cases in view',
  'legend.collapse': 'Hide legend',
  'legend.expand': 'Show legend',

  'layer.cases': 'Violation cases',
  'layer.labels': 'Place names',
  'layer.admin': 'Administrative units',
  'layer.referenceAreas': 'Residential, scenic and enterprise areas',
  'layer.waters': 'Waters',
  'layer.roads': 'Roads',
  'layer.buildings': 'Buildings',
  'layer.parcels': 'Parcels',
  'layer.minzoom': 'from zoom {z}',

  'role.admin': 'Administrator',
  'role.planner': 'Planner',
  'role.analyst': 'Analyst',
  'role.field': 'Field team',
  'role.viewer': 'Viewer',

  'caseStatus.identified': 'Identified',
  'caseStatus.notified': 'Notified',
  'caseStatus.order_issued': 'Demolition order issued',
  'caseStatus.demolished': 'Demolished',
  'caseStatus.confiscated': 'Confiscated',
  'caseStatus.regularised': 'Permit regularised',
  'caseStatus.deferred': 'Deferred',
  'caseStatus.accepted': 'Accepted',
  'caseStatus.closed': 'Closed',

  'caseUse.residential': 'Residential',
  'caseUse.storage': 'Storage',
  'caseUse.commercial': 'Commercial',
  'caseUse.office': 'Office',
  'caseUse.other': 'Other',

  'buildingUse.residential': 'Residential',
  'buildingUse.storage': 'Storage',
  'buildingUse.commercial': 'Commercial',
  'buildingUse.office': 'Office',
  'buildingUse.industrial': 'Industrial',
  'buildingUse.public': 'Public',
  'buildingUse.other': 'Other',

  'landClass.farmland': 'Farmland',
  'landClass.basic_farmland': 'Basic farmland',
  'landClass.homestead': 'Homestead',
  'landClass.collective_construction': 'Collective construction land',
  'landClass.state_construction': 'State construction land',
  'landClass.forest': 'Forest',
  'landClass.garden': 'Orchard/garden',
  'landClass.water': 'Water',
  'landClass.road': 'Road',
  'landClass.other': 'Other land',

  'roadClass.expressway': 'Expressway/ring road',
  'roadClass.national': 'National road',
  'roadClass.provincial': 'Provincial road',
  'roadClass.county': 'County road',
  'roadClass.village': 'Village road',
  'road.ring6': '6th Ring Road',

  'waterKind.river': 'River',
  'waterKind.stream': 'Stream',
  'waterKind.reservoir': 'Reservoir',

  'referenceAreaKind.residential': 'Residential area',
  'referenceAreaKind.scenic': 'Scenic area',
  'referenceAreaKind.enterprise': 'Enterprise site',

  'adminLevel.district': 'District',
  'adminLevel.town': 'Town/street',
  'adminLevel.village': 'Village/community',
}

export const messages: Readonly<Record<Lang, Messages>> = { 'zh-CN': zhCN, en }

/** The name of each language in itself, for the switch. */
export const langNames: Readonly<Record<Lang, string>> = { 'zh-CN': '中文', en: 'English' }
