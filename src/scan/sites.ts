// The kernel functions observed doing MMIO when a TDX guest boots (the default site list).
export const DEFAULT_SITES: readonly string[] = [
  "ahci_enable_ahci", "ahci_freeze", "ahci_init_controller", "ahci_port_resume", "ahci_postreset",
  "ahci_reset_controller", "ahci_save_initial_config", "ahci_scr_read", "ahci_scr_write",
  "ahci_set_em_messages", "ahci_start_engine", "ahci_stop_engine", "ahci_thaw", "ioapic_set_affinity",
  "ioread16", "ioread32", "ioread8", "iowrite16", "iowrite32", "iowrite8", "mask_ioapic_irq",
  "mp_irqdomain_activate", "mp_irqdomain_deactivate", "native_io_apic_read", "__pci_enable_msix_range",
  "pci_mmcfg_read", "pci_msi_mask_irq", "pci_msi_unmask_irq", "__pci_write_msi_msg",
  "restore_ioapic_entries", "startup_ioapic_irq", "update_no_reboot_bit_mem",
];
