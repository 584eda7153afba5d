"""pix2pix: paint a label map, train a translator."""
