package configmgr

// mergePatch applies an RFC 7396 JSON merge patch to target and returns the
// result. Neither argument is modified: objects on the patched paths are
// copied. Keys that exist keep their place; new keys are appended in the
// patch's order.
func mergePatch(target, patch any) any {
	p, ok := patch.(*object)
	if !ok {
		return align(patch, target)
	}
	t, ok := target.(*object)
	if ok {
		t = t.clone()
	} else {
		t = newObject(len(p.members))
	}
	for _, m := range p.members {
		if m.val == nil {
			t.del(m.key)
			continue
		}
		old, _ := t.get(m.key)
		t.set(m.key, mergePatch(old, m.val))
	}
	return t
}
