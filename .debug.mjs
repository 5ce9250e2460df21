import { execSync } from 'node:child_process';
import { openSync, writeFileSync } from 'node:fs';
const m = await import('./dist/esm/index.js');
const { native } = await import('./dist/esm/native.js');
const edus = m.listPciDevices({ vendor: 0x1234, device: 0x11e8 });
const b = m.bindToVfioPci(edus[0].address);
const d = m.readPciDevice(edus[0].address);
const fd = openSync(`/dev/vfio/devices/${d.vfioCdev}`, 'r+');
const ifd = openSync('/dev/iommu', 'r+');
console.log('bind', native.vfioDeviceBindIommufd(fd, ifd));
const ioas = native.iommuIoasAlloc(ifd);
console.log('ioas', ioas, 'ioas2', native.iommuIoasAlloc(ifd));
console.log('attach', native.vfioDeviceAttachIommufdPt(fd, ioas));
writeFileSync('/sys/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts', 'Y');
const e1 = m.readPciDevice(edus[1].address);
const b1 = m.bindToVfioPci(edus[1].address);
try { const dv = m.VfioDevice.open(edus[1].address, { via: 'group' }); console.log('group ok', dv.iommu, dv.exportDmaBuf(0, [{offset:0,length:4096}]).fdinfo); } catch (e) { console.log('group', e.message); }
console.log(execSync('dmesg | tail -5').toString());
