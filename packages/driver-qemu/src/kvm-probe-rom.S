/*
 * KVM probe firmware: a 64 KiB "BIOS" for `-machine pc` that walks the CPU from
 * the reset vector through 32-bit protected mode into 64-bit long mode (paging on)
 * and then writes 0x2a to an isa-debug-exit device at port 0xf4, which makes QEMU
 * exit with status (0x2a << 1) | 1 = 85. If QEMU exits 85 under -accel kvm, KVM
 * really executes guest code. On the CI machine /dev/kvm opens and SeaBIOS even
 * prints under KVM, but this probe (like a Linux guest) never gets there.
 *
 * The bytes are embedded in kvm-probe.ts. To rebuild them:
 *   as --64 -o p.o kvm-probe-rom.S && ld -m elf_x86_64 -Ttext=0xFFFF0000 -e _start -o p.elf p.o \
 *     && objcopy -O binary -j .text p.elf p.bin
 *   then take bytes 0x00..0xbd (code, GDT) and 0xfff0..0xfff2 (reset jump).
 */
        .code16
        .text
        .globl _start
_start:
        cli
        lgdtl %cs:(gdt_ptr - _start)
        movl %cr0, %eax
        orl $1, %eax
        movl %eax, %cr0
        ljmpl $0x08, $pm32
        .code32
pm32:
        movw $0x10, %ax
        movw %ax, %ds
        movw %ax, %es
        movw %ax, %ss
        movl $0x1000, %edi
        xorl %eax, %eax
        movl $3072, %ecx
        cld
        rep stosl
        movl $0x2003, 0x1000
        movl $0x3003, 0x2018
        movl $0xFFE00083, 0x3FF8
        movl $0x1000, %eax
        movl %eax, %cr3
        movl %cr4, %eax
        orl $0x20, %eax
        movl %eax, %cr4
        movl $0xC0000080, %ecx
        rdmsr
        orl $0x100, %eax
        wrmsr
        movl %cr0, %eax
        orl $0x80000000, %eax
        movl %eax, %cr0
        ljmp $0x18, $lm64
        .code64
lm64:
        movabsq $0x2a00000000, %rax
        shrq $32, %rax
        outb %al, $0xf4
1:      hlt
        jmp 1b

        .balign 8
gdt:
        .quad 0
        .quad 0x00CF9A000000FFFF
        .quad 0x00CF92000000FFFF
        .quad 0x00AF9A000000FFFF
gdt_ptr:
        .word gdt_ptr - gdt - 1
        .long gdt

        .code16
        .org 0xfff0
reset:
        jmp _start
        .org 0x10000, 0xf4
