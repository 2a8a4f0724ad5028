// Administrative units: their fills are the ground everything is drawn on (under the basemap's
// waters and roads), their boundaries sit above the basemap.
import { hoverColor } from '../../theme/colors.ts'
import { ADMIN_LEVELS, adminFill, adminLines } from '../base-layers.ts'
import { hovered, type StyleBuilder } from './builder.ts'

/** Very light fills, the district lightest; switched with the admin units and made transparent
 *  over an online basemap, which goes below them. */
export function addAdminGround(b: StyleBuilder): void {
  for (const l of ADMIN_LEVELS) b.add('admin', 'admin-units', adminFill(l), { ground: true })
}

/** Boundaries, heavier for towns, heaviest for the district; and the unit under the mouse. */
export function addAdminBoundaries(b: StyleBuilder): void {
  for (const layer of adminLines()) b.add('admin', 'admin-units', layer)
  // Lighter than the others' hover: a unit is under the mouse most of the time.
  b.add('admin', 'admin-units', {
    id: 'admin-units-hover',
    type: 'line',
    source: 'admin-units',
    'source-layer': 'admin-units',
    layout: { 'line-join': 'round' },
    paint: { 'line-color': hoverColor, 'line-width': 1.5, 'line-opacity': ['case', hovered, 0.55, 0] },
  })
}
