package mapimg

import (
	"fmt"
	"image"
)

// MaxScale bounds Image's scale: 16 pixels a cell is a 4096-pixel square.
const MaxScale = 16

// Image draws the grid in a colouring, scale pixels a side per cell,
// cells placed along the curve: the first block of the view at the top
// left, the last at the top right.
func (g *Grid) Image(m Mode, scale int) (*image.NRGBA, error) {
	if scale < 1 || scale > MaxScale {
		return nil, fmt.Errorf("map: scale %d: want 1 to %d", scale, MaxScale)
	}
	side := int(Curve.Side()) * scale
	img := image.NewNRGBA(image.Rect(0, 0, side, side))
	for d := range g.Cells {
		col := g.Color(d, m)
		x, y := Curve.XY(uint64(d))
		for py := int(y) * scale; py < int(y+1)*scale; py++ {
			for px := int(x) * scale; px < int(x+1)*scale; px++ {
				img.SetNRGBA(px, py, col)
			}
		}
	}
	return img, nil
}
