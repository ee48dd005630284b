//! A message store of the SIM ("SM") or of status reports ("SR"): fixed
//! slots, numbered from the profile's index base.

/// <stat> of 27.005 in PDU mode.
pub(crate) const REC_UNREAD: u8 = 0;
pub(crate) const REC_READ: u8 = 1;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Slot {
    pub stat: u8,
    pub hex: String,
    pub tpdu_len: usize,
}

#[derive(Debug, Clone)]
pub(crate) struct Storage {
    slots: Vec<Option<Slot>>,
    base: u16,
}

impl Storage {
    pub fn new(capacity: usize, base: u16) -> Self {
        Storage {
            slots: vec![None; capacity],
            base,
        }
    }

    pub fn used(&self) -> usize {
        self.slots.iter().filter(|s| s.is_some()).count()
    }

    pub fn capacity(&self) -> usize {
        self.slots.len()
    }

    pub fn is_full(&self) -> bool {
        self.used() == self.capacity()
    }

    /// Stores in the lowest free slot; its index, or `None` when full.
    pub fn store(&mut self, slot: Slot) -> Option<u16> {
        let i = self.slots.iter().position(Option::is_none)?;
        self.slots[i] = Some(slot);
        Some(i as u16 + self.base)
    }

    fn pos(&self, index: u16) -> Option<usize> {
        let i = usize::from(index.checked_sub(self.base)?);
        (i < self.slots.len()).then_some(i)
    }

    /// `Err(())` when the index is outside the storage; `Ok(None)` for an
    /// empty slot.
    pub fn get_mut(&mut self, index: u16) -> Result<Option<&mut Slot>, ()> {
        let i = self.pos(index).ok_or(())?;
        Ok(self.slots[i].as_mut())
    }

    pub fn delete(&mut self, index: u16) -> Result<(), ()> {
        let i = self.pos(index).ok_or(())?;
        self.slots[i] = None;
        Ok(())
    }

    /// Deletes per +CMGD's <delflag>: 1 read, 2 read and sent, 3 read, sent
    /// and unsent, 4 all.
    pub fn delete_flagged(&mut self, flag: u32) {
        for s in &mut self.slots {
            let drop = match s {
                Some(m) => match flag {
                    1 => m.stat == REC_READ,
                    2 => m.stat == REC_READ || m.stat == 3,
                    3 => m.stat != REC_UNREAD,
                    _ => true,
                },
                None => false,
            };
            if drop {
                *s = None;
            }
        }
    }

    /// Occupied slots with their indexes.
    pub fn iter_mut(&mut self) -> impl Iterator<Item = (u16, &mut Slot)> {
        let base = self.base;
        self.slots
            .iter_mut()
            .enumerate()
            .filter_map(move |(i, s)| s.as_mut().map(|s| (i as u16 + base, s)))
    }

    pub fn snapshot(&self) -> Vec<(u16, String)> {
        self.slots
            .iter()
            .enumerate()
            .filter_map(|(i, s)| s.as_ref().map(|s| (i as u16 + self.base, s.hex.clone())))
            .collect()
    }
}
