// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

// Contracts for test/e2e/equivalence.test.ts. Each one exercises EVM behaviour whose
// status, gas, logs or state effects must be identical on Plexus and on anvil (revm).
// None of them reads block context (number, timestamp, coinbase, base fee, gas price,
// PREVRANDAO), since that legitimately differs between the two chains.

/// Storage writes and clears (EIP-2200/3529 refunds), LOG0..LOG4, custom-error reverts,
/// running out of gas, and transient storage (EIP-1153).
contract EqStorage {
    /// Slots 0..15.
    uint256[16] public slots;
    /// Slot 16: what a nested call read from transient storage.
    uint256 public transientSeen;
    /// Slot 17: 100 + what a later transaction read from transient storage (so it is non-zero).
    uint256 public transientAfter;
    /// Slot 18: transient storage after a reverted nested write.
    uint256 public transientAfterRevert;

    error Failed(uint256 code, address sender);
    event Written(uint256 indexed key, uint256 indexed value, address indexed by);

    function write(uint256[] calldata keys, uint256 value) external {
        for (uint256 i = 0; i < keys.length; i++) {
            slots[keys[i]] = value;
            emit Written(keys[i], value, msg.sender);
        }
    }

    /// Changes a slot and restores its original value in one transaction.
    function toggle(uint256 key) external {
        uint256 original = slots[key];
        slots[key] = original + 1;
        slots[key] = original;
    }

    function fail(uint256 code) external view {
        revert Failed(code, msg.sender);
    }

    /// Writes storage until the transaction runs out of gas.
    function burn() external {
        for (uint256 i = 0; ; i++) slots[i % 16] = i + 1;
    }

    /// LOG0..LOG4 carrying `data`.
    function emitAll(bytes calldata data) external {
        bytes memory d = data;
        assembly {
            let p := add(d, 32)
            let n := mload(d)
            log0(p, n)
            log1(p, n, 1)
            log2(p, n, 1, 2)
            log3(p, n, 1, 2, caller())
            log4(p, n, 1, 2, caller(), not(0))
        }
    }

    /// Writes transient slot 0, then reads it back through an external call (same transaction).
    function transientRoundTrip(uint256 v) external {
        assembly {
            tstore(0, v)
        }
        transientSeen = this.readTransient();
        try this.writeTransientAndRevert(v + 1) {} catch {}
        transientAfterRevert = this.readTransient();
    }

    function readTransient() external view returns (uint256 v) {
        assembly {
            v := tload(0)
        }
    }

    function writeTransientAndRevert(uint256 v) external {
        assembly {
            tstore(0, v)
        }
        revert Failed(v, msg.sender);
    }

    /// In a later transaction transient storage is empty again.
    function recordTransient() external {
        uint256 v;
        assembly {
            v := tload(0)
        }
        transientAfter = 100 + v;
    }
}

/// Calls carrying value: fan-out to several targets (some refusing), reentrant relays.
contract EqCaller {
    event Received(address indexed from, uint256 value, uint256 depth);
    event Sent(address indexed to, uint256 value, bool ok, bytes ret);
    event Caught(bytes reason);

    receive() external payable {
        emit Received(msg.sender, msg.value, 0);
    }

    /// Sends `values[i]` to `targets[i]` with empty calldata; failures are recorded, not fatal.
    function fanOut(address[] calldata targets, uint256[] calldata values) external payable {
        for (uint256 i = 0; i < targets.length; i++) {
            (bool ok, bytes memory ret) = targets[i].call{value: values[i]}("");
            emit Sent(targets[i], values[i], ok, ret);
        }
    }

    /// Forwards half of the value to `other.relay(this, depth - 1)` until depth is zero.
    function relay(EqCaller other, uint256 depth) external payable {
        emit Received(msg.sender, msg.value, depth);
        if (depth > 0) other.relay{value: msg.value / 2}(this, depth - 1);
    }

    /// Runs `target.burn()` with a gas cap; the out-of-gas failure is caught here.
    function callBurn(EqStorage target, uint256 gasCap) external {
        try target.burn{gas: gasCap}() {} catch (bytes memory reason) {
            emit Caught(reason);
        }
    }
}

/// Created by EqFactory with CREATE2.
contract EqChild {
    uint256 public tag;
    event Born(address indexed child, uint256 tag, uint256 value);

    constructor(uint256 tag_) payable {
        tag = tag_;
        emit Born(address(this), tag_, msg.value);
    }
}

/// CREATE2 deployments (and a colliding one), and SELFDESTRUCT under EIP-6780. The
/// self-destructing children are raw bytecode handed in by the caller (runtime
/// `PUSH0 CALLDATALOAD SELFDESTRUCT`: any call destroys it in favour of the address in
/// the first calldata word), which keeps the deprecated opcode out of Solidity.
contract EqFactory {
    event Created(address indexed child, bytes32 indexed salt);

    function deploy2(bytes32 salt, uint256 tag) external payable returns (address child) {
        child = address(new EqChild{salt: salt, value: msg.value}(tag));
        emit Created(child, salt);
    }

    /// CREATE2 without Solidity's revert on failure: a colliding salt yields address(0).
    function deploy2Raw(bytes32 salt, uint256 tag) external returns (address child) {
        bytes memory init = abi.encodePacked(type(EqChild).creationCode, abi.encode(tag));
        assembly {
            child := create2(0, add(init, 32), mload(init), salt)
        }
        emit Created(child, salt);
    }

    /// CREATE with `initcode` and the value sent.
    function create(bytes calldata initcode) external payable returns (address child) {
        bytes memory init = initcode;
        assembly {
            child := create(callvalue(), add(init, 32), mload(init))
        }
        emit Created(child, bytes32(0));
    }

    /// Creates a self-destructing child and destroys it in the same transaction, so it is
    /// removed. `toSelf`: the child names itself as beneficiary (its ether is burnt).
    function createAndDestroy(bytes calldata initcode, address beneficiary, bool toSelf) external payable returns (address child) {
        child = this.create{value: msg.value}(initcode);
        destroy(child, toSelf ? child : beneficiary);
    }

    /// Calls a self-destructing child (destroyed, or created in an earlier transaction:
    /// then only its ether moves).
    function destroy(address child, address beneficiary) public {
        (bool ok, ) = child.call(abi.encode(beneficiary));
        require(ok, "destroy failed");
    }
}

/// Precompile calls with a gas cap, and code introspection of accounts (not balances:
/// those of fee payers and fee recipients differ between chains).
contract EqProbe {
    event Probed(address indexed target, bool ok, uint256 gasUsed, bytes output);
    event Inspected(address indexed account, uint256 codeSize, bytes32 codeHash);

    function probe(address[] calldata targets, bytes[] calldata inputs, uint256[] calldata gasCaps) external {
        for (uint256 i = 0; i < targets.length; i++) {
            uint256 before = gasleft();
            (bool ok, bytes memory out) = targets[i].staticcall{gas: gasCaps[i]}(inputs[i]);
            uint256 used = before - gasleft();
            emit Probed(targets[i], ok, used, out);
        }
    }

    function inspect(address[] calldata accounts) external {
        for (uint256 i = 0; i < accounts.length; i++) {
            address a = accounts[i];
            emit Inspected(a, a.code.length, a.codehash);
        }
    }
}

/// The code an EOA delegates to with EIP-7702; storage lives in the EOA.
contract EqDelegate {
    /// Slot 0 of the delegating EOA.
    uint256 public value;

    event Executed(address indexed self, address indexed caller, uint256 value, uint256 msgValue);
    event Paid(address indexed self, address indexed from, uint256 amount);

    function setValue(uint256 v) external payable {
        value = v;
        emit Executed(address(this), msg.sender, v, msg.value);
    }

    receive() external payable {
        emit Paid(address(this), msg.sender, msg.value);
    }
}
