// Reference for the loadbalancing exporter's ring: upstream's algorithm (contrib loadbalancingexporter v0.161.0,
// consistent_hashing.go) written from its published facts with Go's standard library only, so the TypeScript ring
// is checked against Go's own crc32 and sort. Reads JSON {"endpoints": [...], "ids": ["hex", ...]} on stdin, writes
// JSON {"owners": [...], "points": n} on stdout: the endpoint owning each identifier (hex bytes).
//
//	go run test/support/lb-ring/main.go < input.json
package main

import (
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"hash/crc32"
	"os"
	"sort"
)

const (
	maxPositions uint32 = 131071
	weight              = 200
	probeLimit          = 10
)

type candidate struct {
	pos, hash uint32
	endpoint  string
}

type point struct {
	pos      uint32
	endpoint string
}

func buildRing(endpoints []string) []point {
	var all []candidate
	index := make([]byte, 4)
	for _, endpoint := range endpoints {
		for i := 0; i < weight; i++ {
			h := crc32.NewIEEE()
			binary.LittleEndian.PutUint32(index, uint32(i))
			h.Write([]byte(endpoint))
			h.Write(index)
			sum := h.Sum32()
			all = append(all, candidate{sum % maxPositions, sum, endpoint})
		}
	}
	sort.Slice(all, func(i, j int) bool {
		if all[i].pos != all[j].pos {
			return all[i].pos < all[j].pos
		}
		if all[i].hash != all[j].hash {
			return all[i].hash < all[j].hash
		}
		return all[i].endpoint < all[j].endpoint
	})
	taken := map[uint32]bool{}
	var ring []point
	for _, c := range all {
		pos, probed := c.pos, 0
		for taken[pos] && probed < probeLimit {
			pos = (pos + 1) % maxPositions
			probed++
		}
		if probed >= probeLimit {
			continue
		}
		taken[pos] = true
		ring = append(ring, point{pos, c.endpoint})
	}
	sort.Slice(ring, func(i, j int) bool { return ring[i].pos < ring[j].pos })
	return ring
}

// owner is upstream's bsearch: the first point at or after the identifier's position, wrapping to the first.
func owner(ring []point, id []byte) string {
	pos := crc32.ChecksumIEEE(id) % maxPositions
	i := sort.Search(len(ring), func(i int) bool { return ring[i].pos >= pos })
	if i == len(ring) {
		i = 0
	}
	return ring[i].endpoint
}

func main() {
	var input struct {
		Endpoints []string `json:"endpoints"`
		IDs       []string `json:"ids"`
	}
	if err := json.NewDecoder(os.Stdin).Decode(&input); err != nil {
		panic(err)
	}
	ring := buildRing(input.Endpoints)
	owners := make([]string, len(input.IDs))
	for i, id := range input.IDs {
		bytes, err := hex.DecodeString(id)
		if err != nil {
			panic(err)
		}
		owners[i] = owner(ring, bytes)
	}
	if err := json.NewEncoder(os.Stdout).Encode(map[string]any{"owners": owners, "points": len(ring)}); err != nil {
		panic(err)
	}
}
